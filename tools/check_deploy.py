#!/usr/bin/env python3
"""Checks the Kubernetes manifests in deploy/k8s beyond their schemas
(scripts/check-deploy validates those with kubernetes-validate first):

- the Deployment, Service and PodDisruptionBudget select the same pods;
- the budget leaves a pod to evict (minAvailable below the replicas) and the
  rollout never drops below the replicas (maxUnavailable 0);
- replicas prefer different nodes (pod anti-affinity on the hostname);
- probes are the server's routes (/startup, /live, /ready) on the named port;
- every ConfigMap key and every env name is a variable greenside reads
  (.env.example lists them all), and no secret is in the ConfigMap.

    python3 tools/check_deploy.py     (PyYAML from the venv scripts/check-deploy makes)
"""
import os
import re
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
K8S = os.path.join(ROOT, "deploy", "k8s")
docs = {}
for name in sorted(os.listdir(K8S)):
    if name.endswith(".yaml"):
        for d in yaml.safe_load_all(open(os.path.join(K8S, name))):
            if d:
                docs[d["kind"]] = d
known = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", open(os.path.join(ROOT, ".env.example")).read(), re.M))
problems = []


def check(ok, what):
    if not ok:
        problems.append(what)


dep, svc, pdb, cm = docs["Deployment"], docs["Service"], docs["PodDisruptionBudget"], docs["ConfigMap"]
secret = docs["Secret"]
secret_keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
pod_labels = dep["spec"]["template"]["metadata"]["labels"]
for who, sel in (("Deployment", dep["spec"]["selector"]["matchLabels"]), ("Service", svc["spec"]["selector"]),
                 ("PodDisruptionBudget", pdb["spec"]["selector"]["matchLabels"])):
    check(all(pod_labels.get(k) == v for k, v in sel.items()), f"the {who} selector {sel} does not match the pods {pod_labels}")
replicas = dep["spec"]["replicas"]
check(replicas >= 2, "fewer than two replicas")
check(0 < replicas - pdb["spec"]["minAvailable"], "the budget allows no eviction (minAvailable >= replicas)")
check(dep["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, "a rollout may drop below the replicas")
check(dep["spec"].get("revisionHistoryLimit", 10) >= 2, "no revision left to roll back to")
pod = dep["spec"]["template"]["spec"]
terms = pod.get("affinity", {}).get("podAntiAffinity", {}).get("preferredDuringSchedulingIgnoredDuringExecution", [])
check(any(t["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname" for t in terms), "no anti-affinity across nodes")
c = pod["containers"][0]
for probe, path in (("startupProbe", "/startup"), ("livenessProbe", "/live"), ("readinessProbe", "/ready")):
    check(c[probe]["httpGet"]["path"] == path and c[probe]["httpGet"]["port"] == "http", f"{probe} is not {path} on port http")
check(any(p["name"] == "http" for p in c["ports"]), "no port named http")
for key in cm["data"]:
    check(key in known, f"ConfigMap key {key} is not a greenside variable (.env.example)")
    check(key not in secret_keys, f"ConfigMap key {key} is a secret: it belongs in the Secret")
for e in c.get("env", []):
    check(e["name"] in known, f"env {e['name']} is not a greenside variable")
    check("valueFrom" in e and e["name"] in secret_keys, f"env {e['name']} is not read from the Secret")
if problems:
    print("\n".join(problems))
    print(f"deploy check: {len(problems)} failed")
    sys.exit(1)
print(f"deploy check: {len(docs)} manifests consistent ({', '.join(sorted(docs))}); all passed")
