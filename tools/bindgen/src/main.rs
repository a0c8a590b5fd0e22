//! `wasm-bindgen`'s command line for the options greenside's builds use,
//! over `wasm-bindgen-cli-support` at the version Cargo.lock pins.
//!
//! `scripts/build-wasm` calls it for the npm package and `scripts/build-worker`
//! hands it to worker-build as `WASM_BINDGEN_BIN`, so neither build compiles
//! or installs the `wasm-bindgen-cli` crate (minutes on a fresh machine, and
//! its own lockfile cannot be used here). The defaults are the CLI's own, so
//! the output is byte for byte what `wasm-bindgen` 0.2.130 writes.
//!
//! ```text
//! greenside-bindgen INPUT.wasm --out-dir DIR
//!     [--target bundler|web|nodejs|no-modules|deno|module|experimental-nodejs-module]
//!     [--out-name NAME] [--typescript | --no-typescript] [--debug] [--no-demangle]
//!     [--keep-debug] [--keep-lld-exports] [--omit-imports] [--omit-default-module-path]
//!     [--split-linked-modules] [--remove-name-section] [--remove-producers-section]
//!     [--experimental-reset-state-function] [--force-enable-abort-handler]
//!     [--js-string-builtins] [--ts-typed-array-buffers]
//! ```
//!
//! Anything else is refused with exit status 2 (not ignored), so a
//! worker-build that starts passing a new flag fails loudly here.

use std::path::PathBuf;
use std::process::ExitCode;

use wasm_bindgen_cli_support::Bindgen;

/// The version of the CLI this stands in for (worker-build prints it).
const VERSION: &str = "0.2.130";

#[derive(Debug, Default)]
struct Args {
    input: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    target: Option<String>,
    out_name: Option<String>,
    no_typescript: bool,
    debug: bool,
    no_demangle: bool,
    keep_debug: bool,
    omit_default_module_path: bool,
    split_linked_modules: bool,
    remove_name_section: bool,
    remove_producers_section: bool,
    keep_lld_exports: bool,
    omit_imports: bool,
    reset_state_function: bool,
    force_enable_abort_handler: bool,
    js_string_builtins: bool,
    ts_typed_array_buffers: bool,
}

enum Parsed {
    Run(Args),
    Version,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Parsed, String> {
    let mut args = Args::default();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline.clone().or_else(|| it.next()).ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--version" | "-V" => return Ok(Parsed::Version),
            "--out-dir" => args.out_dir = Some(PathBuf::from(value("--out-dir")?)),
            "--target" => args.target = Some(value("--target")?),
            "--out-name" => args.out_name = Some(value("--out-name")?),
            "--typescript" => args.no_typescript = false,
            "--no-typescript" => args.no_typescript = true,
            "--debug" => args.debug = true,
            "--no-demangle" => args.no_demangle = true,
            "--keep-debug" => args.keep_debug = true,
            "--omit-default-module-path" => args.omit_default_module_path = true,
            "--split-linked-modules" => args.split_linked_modules = true,
            "--remove-name-section" => args.remove_name_section = true,
            "--remove-producers-section" => args.remove_producers_section = true,
            "--keep-lld-exports" => args.keep_lld_exports = true,
            "--omit-imports" => args.omit_imports = true,
            // worker-build passes these two.
            "--experimental-reset-state-function" => args.reset_state_function = true,
            "--force-enable-abort-handler" => args.force_enable_abort_handler = true,
            "--js-string-builtins" => args.js_string_builtins = true,
            "--ts-typed-array-buffers" => args.ts_typed_array_buffers = true,
            f if f.starts_with('-') => return Err(format!("unknown option {f}")),
            _ if args.input.is_none() => args.input = Some(PathBuf::from(arg)),
            _ => return Err(format!("more than one input: {arg}")),
        }
    }
    if args.input.is_none() {
        return Err("no input .wasm file".into());
    }
    if args.out_dir.is_none() {
        return Err("--out-dir is required".into());
    }
    Ok(Parsed::Run(args))
}

/// The library's error (anyhow) with its causes, on one line.
fn err(e: impl std::fmt::Display) -> String {
    format!("{e:#}")
}

fn run(args: &Args) -> Result<(), String> {
    let mut b = Bindgen::new();
    match args.target.as_deref().unwrap_or("bundler") {
        "bundler" => b.bundler(true).map_err(err)?,
        "web" => b.web(true).map_err(err)?,
        "nodejs" => b.nodejs(true).map_err(err)?,
        "no-modules" => b.no_modules(true).map_err(err)?,
        "deno" => b.deno(true).map_err(err)?,
        "module" => b.module(true).map_err(err)?,
        "experimental-nodejs-module" => b.nodejs_module(true).map_err(err)?,
        other => return Err(format!("unsupported --target {other}")),
    };
    // The CLI sets every one of these, so its defaults (not the library's)
    // decide the output: the default module path is emitted, reference types
    // come from the wasm's features.
    #[allow(deprecated)]
    b.input_path(args.input.as_ref().expect("checked in parse"))
        .debug(args.debug)
        .demangle(!args.no_demangle)
        .keep_lld_exports(args.keep_lld_exports)
        .keep_debug(args.keep_debug)
        .remove_name_section(args.remove_name_section)
        .remove_producers_section(args.remove_producers_section)
        .typescript(!args.no_typescript)
        .omit_imports(args.omit_imports)
        .omit_default_module_path(args.omit_default_module_path)
        .split_linked_modules(args.split_linked_modules)
        .reference_types(false)
        .reset_state_function(args.reset_state_function)
        .force_enable_abort_handler(args.force_enable_abort_handler)
        .js_string_builtins(args.js_string_builtins)
        .ts_typed_array_buffers(args.ts_typed_array_buffers);
    if let Some(name) = &args.out_name {
        b.out_name(name);
    }
    b.generate(args.out_dir.as_ref().expect("checked in parse")).map_err(err)
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok(Parsed::Version) => {
            // The CLI's own answer to --version, on stdout where callers read it.
            #[allow(clippy::print_stdout)]
            {
                println!("wasm-bindgen {VERSION}");
            }
            ExitCode::SUCCESS
        }
        Ok(Parsed::Run(args)) => match run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("greenside-bindgen: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!(
                "greenside-bindgen: {e}\nusage: greenside-bindgen INPUT.wasm --out-dir DIR [--target TARGET] [--out-name NAME] [OPTIONS] (the tool's docs list them)"
            );
            ExitCode::from(2)
        }
    }
}
