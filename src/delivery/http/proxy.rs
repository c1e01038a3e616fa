//! Which proxy Go's HTTP client would use for a URL: the environment's,
//! by scheme, unless `NO_PROXY` or a loopback host says none.

/// Go's proxy choice: `HTTPS_PROXY`/`HTTP_PROXY` by scheme, `NO_PROXY`, and
/// never for localhost or loopback addresses.
#[must_use]
pub fn proxy_for(scheme: &str, host: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let var = |n: &str| {
        env(n)
            .or_else(|| env(&n.to_lowercase()))
            .filter(|v| !v.is_empty())
    };
    if host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    {
        return None;
    }
    let no_proxy = var("NO_PROXY").unwrap_or_default();
    for entry in no_proxy.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let entry = entry.split(':').next().unwrap_or(entry);
        let bare = entry.trim_start_matches('.');
        if entry == "*" || host == bare || host.ends_with(&format!(".{bare}")) {
            return None;
        }
    }
    var(if scheme == "https" {
        "HTTPS_PROXY"
    } else {
        "HTTP_PROXY"
    })
}
