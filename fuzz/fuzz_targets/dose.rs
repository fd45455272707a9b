//! The dose notation: any text parses to a dose or to an error, and a parsed dose
//! prints to text that parses to the same dose.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rehab_dose::{Activity, Amount, Dose};

fuzz_target!(|text: &str| {
    if let Ok(dose) = Dose::parse(text) {
        let printed = dose.to_string();
        let again = Dose::parse(&printed);
        assert!(
            again.is_ok(),
            "{text:?} printed as {printed:?}, which does not parse"
        );
        let _ = dose.time_in(Activity::is_running);
    }
    if let Ok(amount) = Amount::parse(text) {
        let _ = amount.to_days();
    }
});
