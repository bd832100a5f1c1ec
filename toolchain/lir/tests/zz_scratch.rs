#[test]
fn show() {
    let path = std::env::var("SRC").unwrap();
    let src = std::fs::read_to_string(path).unwrap();
    let (ast, diags) = ruchy_syntax::parse(&src);
    assert!(diags.is_empty(), "{diags:?}");
    let hir = ruchy_hir::check(&ast).expect("checks");
    let mut m = ruchy_lir::lower::lower(&hir, &src, "t.ruchy").expect("lowers");
    if std::env::var("OPT").is_ok() {
        let r = ruchy_lir::passes::optimize(&mut m, &ruchy_lir::Options::default());
        println!("{}", r.summary());
    }
    println!("{}", ruchy_lir::print::print(&m));
}
