//! The TypeScript declarations of the tracker's shapes (`types.d.ts`, next
//! to this file), added to the generated `greenside.d.ts`; the
//! classification entry's shapes (`Classification`, `LatLon`, `Surface`…)
//! come with it from `greenside-classify`. `wasm/tests/declarations.test.mjs`
//! checks them against the package: every declared class and function is
//! exported and every export declared, and the answers have exactly the
//! declared keys.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");
