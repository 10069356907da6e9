//! Rules on the Ingress to the Flink web UI.

use crate::diagnostic::{Diagnostic, Diagnostics};

use super::Located;

pub(super) fn check(r: &Located, diags: &mut Diagnostics) {
    let Some(ingress) = &r.job.spec.ingress else {
        return;
    };
    if ingress.tls.is_some() && ingress.host.is_none() {
        diags.push(
            Diagnostic::error(
                "ingress-tls-host",
                r.key_span(&["spec", "ingress", "tls"]),
                "TLS for an Ingress without `host`: the certificate is served for a host name",
            )
            .help("set `ingress.host`, e.g. flink.example.com"),
        );
    }
}
