//! The tests' PostgreSQL: one cluster per test process ([`super::pg_cluster`]),
//! with TLS on (the tests' certificate for localhost and 127.0.0.1).

use std::sync::OnceLock;

pub use super::pg_cluster::Cluster;

/// The cluster of this test process, started on first use.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let certs = super::smtp::certs();
        super::pg_cluster::start(Some((&certs.cert, &certs.key)))
    })
}
