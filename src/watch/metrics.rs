//! Prometheus metrics of a watch at `/metrics/prometheus`, on the port
//! Kratos' `--expose-metrics-port` names: messages by outcome, claims,
//! send latency, messages in flight and the queue's depth and lag. A
//! minimal HTTP/1.1 responder on its own thread: each request's head is
//! read within a size and a time bound, then the connection is closed.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::queue::Depth;

/// The upper bounds of the send latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];
/// The most bytes of a request head read.
const HEAD_CAP: usize = 8 << 10;
/// The longest a client may take to send its request head.
const HEAD_TIME: Duration = Duration::from_secs(2);

/// What the metrics count.
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    pub sent: u64,
    pub retried: u64,
    pub abandoned: u64,
    pub uncertain: u64,
    pub released: u64,
    pub claims: u64,
    pub claimed: u64,
    pub in_flight: usize,
    pub depth: Option<Depth>,
    /// Counts per bucket (not cumulative), then the sum and the count.
    latency: [u64; BUCKETS.len()],
    latency_sum: f64,
    latency_count: u64,
}

impl Metrics {
    /// Records one send's latency.
    pub fn observe(&mut self, ms: f64) {
        let secs = ms / 1000.0;
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.latency[i] += 1;
        }
        self.latency_sum += secs;
        self.latency_count += 1;
    }

    /// The Prometheus text exposition.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP courier_messages_total Messages by the outcome of their attempt.\n\
             # TYPE courier_messages_total counter\n",
        );
        for (status, n) in [
            ("sent", self.sent),
            ("retried", self.retried),
            ("abandoned", self.abandoned),
            ("uncertain", self.uncertain),
            ("released", self.released),
        ] {
            let _ = writeln!(out, "courier_messages_total{{status=\"{status}\"}} {n}");
        }
        let _ = write!(
            out,
            "# HELP courier_claims_total Claim statements run.\n\
             # TYPE courier_claims_total counter\ncourier_claims_total {}\n\
             # HELP courier_claimed_messages_total Messages claimed.\n\
             # TYPE courier_claimed_messages_total counter\ncourier_claimed_messages_total {}\n\
             # HELP courier_in_flight Messages being sent now.\n\
             # TYPE courier_in_flight gauge\ncourier_in_flight {}\n",
            self.claims, self.claimed, self.in_flight
        );
        if let Some(d) = self.depth {
            let _ = write!(
                out,
                "# HELP courier_queue_messages Messages of the network by status.\n\
                 # TYPE courier_queue_messages gauge\n\
                 courier_queue_messages{{status=\"queued\"}} {}\n\
                 courier_queue_messages{{status=\"processing\"}} {}\n\
                 # HELP courier_queue_lag_seconds How long the oldest queued message has waited.\n\
                 # TYPE courier_queue_lag_seconds gauge\ncourier_queue_lag_seconds {:.3}\n",
                d.queued, d.processing, d.oldest_secs
            );
        }
        out.push_str(
            "# HELP courier_send_duration_seconds Time to send one message.\n\
             # TYPE courier_send_duration_seconds histogram\n",
        );
        let mut cumulative = 0;
        for (b, n) in BUCKETS.iter().zip(self.latency) {
            cumulative += n;
            let _ = writeln!(
                out,
                "courier_send_duration_seconds_bucket{{le=\"{b}\"}} {cumulative}"
            );
        }
        let _ = write!(
            out,
            "courier_send_duration_seconds_bucket{{le=\"+Inf\"}} {}\n\
             courier_send_duration_seconds_sum {:.6}\ncourier_send_duration_seconds_count {}\n",
            self.latency_count, self.latency_sum, self.latency_count
        );
        out
    }
}

/// The metrics a watch updates and the server reads.
pub type Shared = Arc<Mutex<Metrics>>;

/// Serves `metrics` on `port` (all interfaces, as Kratos does) from a
/// thread of its own, for the life of the process.
pub fn serve(port: u16, metrics: Shared) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(("0.0.0.0", port))?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream, &metrics);
        }
    });
    Ok(addr)
}

fn answer(mut stream: TcpStream, metrics: &Shared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(HEAD_TIME))?;
    stream.set_write_timeout(Some(HEAD_TIME))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < HEAD_CAP {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|b| *b == b'\r').next().unwrap_or_default();
    let mut words = line.split(|b| *b == b' ');
    let (method, path) = (words.next(), words.next());
    let (status, body) = match (method, path) {
        (Some(b"GET"), Some(b"/metrics/prometheus")) => (
            "200 OK",
            metrics
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .render(),
        ),
        _ => ("404 Not Found", "not found\n".to_owned()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::Metrics;

    #[test]
    fn the_histogram_is_cumulative_and_counts_every_send() {
        let mut m = Metrics::default();
        for ms in [1.0, 7.0, 30.0, 20_000.0] {
            m.observe(ms);
        }
        m.sent = 3;
        let text = m.render();
        assert!(text.contains("courier_messages_total{status=\"sent\"} 3\n"));
        assert!(text.contains("courier_send_duration_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("courier_send_duration_seconds_bucket{le=\"0.01\"} 2\n"));
        assert!(text.contains("courier_send_duration_seconds_bucket{le=\"10\"} 3\n"));
        assert!(text.contains("courier_send_duration_seconds_bucket{le=\"+Inf\"} 4\n"));
        assert!(text.contains("courier_send_duration_seconds_count 4\n"));
    }
}
