#![allow(clippy::print_stdout)]
use rehab_dose::Dose;
fn main() {
    let input = format!("run {}", "-".repeat(20000));
    let t = std::time::Instant::now();
    let e = Dose::parse(&input).unwrap_err();
    println!("parse {:?} {:?}", t.elapsed(), (e.start, e.end));
    let t = std::time::Instant::now();
    let r = e.render(&input);
    println!("render {:?} {}", t.elapsed(), r.len());
}
