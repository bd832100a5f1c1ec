pub fn infer(_p: &mut crate::hir::Program) {}
