//! Rules on the Ingress to the Flink web UI.

use crate::code::declare_code;
use crate::diagnostic::{Diagnostic, Diagnostics};

use super::Located;

declare_code! {
    pub INGRESS_TLS_HOST: error "ingress-tls-host",
    catches: "`ingress.tls` without `ingress.host`.",
    why: "The certificate is served for a host name.",
    fix: "Set `ingress.host`.",
}

declare_code! {
    pub INGRESS_WITHOUT_AUTH: warning "ingress-without-auth",
    catches: "An `ingress` whose annotations name no authentication (no `auth` annotation, Traefik middleware or source-range allowlist).",
    why: "The Ingress exposes Flink's REST API, which asks for no credentials and can cancel jobs, upload jars and run them: anyone who reaches the host controls the cluster.",
    fix: "Add your ingress controller's authentication annotations (ingress-nginx: `nginx.ingress.kubernetes.io/auth-url` and `auth-signin` for an OAuth proxy, or `auth-type: basic`), a Traefik middleware, or a `whitelist-source-range`.",
}

pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    check_auth(r, diags);
    let Some(ingress) = &r.job.spec.ingress else {
        return;
    };
    if ingress.tls.is_some() && ingress.host.is_none() {
        diags.push(
            Diagnostic::error(
                INGRESS_TLS_HOST,
                r.key_span(&["spec", "ingress", "tls"]),
                "TLS for an Ingress without `host`: the certificate is served for a host name",
            )
            .help("set `ingress.host`, e.g. flink.example.com"),
        );
    }
}

/// The REST API behind the web UI can cancel jobs and upload and run jars, and Flink asks for
/// no credentials: an Ingress should put authentication in front of it. Any annotation that
/// names authentication (the ingress-nginx `auth-*` family, an OAuth proxy, a Traefik
/// middleware chain) counts as an answer; the warning is for the Ingress that has none.
fn check_auth(r: &Located, diags: &mut Diagnostics) {
    let Some(ingress) = &r.job.spec.ingress else {
        return;
    };
    let authenticated = ingress.annotations.keys().any(|k| {
        let k = k.to_ascii_lowercase();
        k.contains("auth")
            || k.contains("middlewares")
            || k.contains("whitelist-source-range")
            || k.contains("allowlist-source-range")
    });
    if !authenticated {
        diags.push(
            Diagnostic::warning(
                INGRESS_WITHOUT_AUTH,
                r.key_span(&["spec", "ingress"]),
                "the Ingress exposes Flink's REST API, which cancels jobs and uploads and runs jars, without authentication",
            )
            .help("add your ingress controller's authentication annotations (e.g. nginx.ingress.kubernetes.io/auth-url) or a source-range allowlist"),
        );
    }
}
