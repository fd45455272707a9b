//! The serde shape of the values, as other crates (JSON and YAML output) will see it.

use rehab_dose::{Amount, Dose};

#[test]
fn a_session_serializes_as_tagged_values() {
    let dose = Dose::parse(
        "walk 5min brisk then walk 2min, run 1-2min; repeat 20min then planks 3x30s; repeat 2x",
    )
    .unwrap();
    insta::assert_json_snapshot!(dose);
}

#[test]
fn off_and_amounts_serialize_plainly() {
    insta::assert_json_snapshot!("off", Dose::Off);
    insta::assert_json_snapshot!("up_to_12wk", Amount::parse("up to 12wk").unwrap());
}
