//! Rules on the image reference and on values that tools downstream would rewrite.

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::yaml::{Node, Value};

use super::Located;

declare_code! {
    pub FLUX_SUBSTITUTION: warning "flux-substitution",
    catches: "`${...}` in a value.",
    why: "Flux's post-build substitution rewrites `${VAR}` in everything it applies, so the value reaching the cluster would differ from the one in Git.",
    fix: "Write `$${` to keep it literal under Flux, or avoid `${...}`.",
}

declare_code! {
    pub IMAGE_TAG: warning "image-tag",
    catches: "An image without a tag, or with `:latest`.",
    why: "Every render would mean whatever the registry holds that day, and a node may run a different image than the next.",
    fix: "Pin a version tag or a digest.",
}

pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    check_tag(r, diags);
    check_substitutions(r.tree, diags);
}

fn check_tag(r: &Located, diags: &mut Diagnostics) {
    let image = &r.job.spec.image;
    if image.contains('@') {
        return;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    let span = r.span(&["spec", "image"]);
    match last.split_once(':') {
        None => diags.push(
            Diagnostic::warning(IMAGE_TAG, span, format!("image `{image}` has no tag"))
                .help("pin a version tag or digest, so that every render means the same image"),
        ),
        Some((_, "latest")) => diags.push(
            Diagnostic::warning(
                IMAGE_TAG,
                span,
                format!("image `{image}` uses the `latest` tag"),
            )
            .help("pin a version tag or digest, so that every render means the same image"),
        ),
        Some(_) => {}
    }
}

/// Flux's post-build substitution rewrites `${VAR}` in everything it applies.
fn check_substitutions(node: &Node, diags: &mut Diagnostics) {
    match &node.value {
        Value::Str(s) if s.contains("${") => diags.push(
            Diagnostic::warning(
                FLUX_SUBSTITUTION,
                node.span,
                "`${` in a value: Flux post-build substitution would rewrite it",
            )
            .help("write `$${` to keep it literal under Flux, or avoid `${...}`"),
        ),
        Value::Seq(items) => items.iter().for_each(|n| check_substitutions(n, diags)),
        Value::Map(entries) => entries
            .iter()
            .for_each(|e| check_substitutions(&e.value, diags)),
        _ => {}
    }
}
