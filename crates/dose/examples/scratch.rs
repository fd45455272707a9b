#![allow(clippy::print_stdout)]
use rehab_dose::{Activity, Amount, Dose};
use std::io::BufRead;
fn main() {
    let amount_mode = std::env::args().any(|a| a == "--amount");
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        if amount_mode {
            match Amount::parse(&line) {
                Ok(a) => println!(
                    "OK  {line:?} -> {a}  days={:?} ms={:?}",
                    a.to_days(),
                    a.to_millis()
                ),
                Err(e) => println!("ERR {line:?}\n{}\n", e.render(&line)),
            }
            continue;
        }
        match Dose::parse(&line) {
            Ok(d) => println!(
                "OK  {line:?} -> {d}   run={:?}",
                d.time_in(Activity::is_running)
            ),
            Err(e) => println!("ERR {line:?}\n{}\n", e.render(&line)),
        }
    }
}
