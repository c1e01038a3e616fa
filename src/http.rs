//! HTTP: the only `reqwest` user. For now, fetching remote templates the
//! way Kratos' fetcher does (GET, only 200 counts).

use std::time::Duration;

/// Kratos' registry client gives remote template fetches 30 s.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a remote template could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the server answered {0}; Kratos needs 200")]
    Status(u16),
    #[error("the request failed: {0}")]
    Transport(String),
}

/// GETs `url` and returns the body, which must come with status 200.
/// Proxies come from the environment, as in Kratos.
pub fn get_text(url: &str) -> Result<String, FetchError> {
    let client = reqwest::blocking::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(|e| FetchError::Transport(e.to_string()))?;
    let resp = client
        .get(url)
        .send()
        .map_err(|e| FetchError::Transport(e.without_url().to_string()))?;
    let status = resp.status().as_u16();
    if status != 200 {
        return Err(FetchError::Status(status));
    }
    resp.text()
        .map_err(|e| FetchError::Transport(e.without_url().to_string()))
}
