//! SMS delivery from the notification outbox: the `Notifier` trait, a log-file sender (the
//! default, for offline installations and tests), an HTTP sender for a real SMS gateway, and
//! the background worker that drains the outbox.
//!
//! The worker claims a batch of due messages under a lease (`Store::claim_outbox`), sends
//! them outside any transaction and records the outcomes together, so with several server
//! processes on PostgreSQL they share the queue; a failed send is retried with backoff by the
//! store.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use yibao_domain::masking::mask_phone;
use yibao_store::{OutboxMessage, SendOutcome, Store};

/// Something that can deliver one SMS.
pub trait Notifier: Send + Sync {
    /// Delivers `message`; an `Err` carries the reason and the store retries later.
    fn send(&self, message: &OutboxMessage) -> impl Future<Output = Result<(), String>> + Send;

    /// Delivers a claimed batch, one result per message in order; by default one by one.
    fn send_batch(
        &self,
        messages: &[OutboxMessage],
    ) -> impl Future<Output = Vec<Result<(), String>>> + Send {
        async move {
            let mut results = Vec::with_capacity(messages.len());
            for message in messages {
                results.push(self.send(message).await);
            }
            results
        }
    }
}

/// Appends each message as one line to a file: `time<TAB>phone (masked)<TAB>text`.
#[derive(Debug, Clone)]
pub struct LogFileNotifier {
    pub path: PathBuf,
}

impl LogFileNotifier {
    fn line(message: &OutboxMessage) -> String {
        format!(
            "{}\t{}\t{}\n",
            yibao_store::now().to_rfc3339(),
            mask_phone(&message.phone),
            message.body.replace(['\n', '\t'], " ")
        )
    }

    /// Appends `text` and flushes it to disk, on a blocking thread: one open, one write and
    /// one flush however many lines it holds.
    async fn append(&self, text: String) -> Result<(), String> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            file.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
            file.sync_data().map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

impl Notifier for LogFileNotifier {
    async fn send(&self, message: &OutboxMessage) -> Result<(), String> {
        self.append(Self::line(message)).await
    }

    /// The whole batch in one append: every line is written, or none counts as sent.
    async fn send_batch(&self, messages: &[OutboxMessage]) -> Vec<Result<(), String>> {
        let text: String = messages.iter().map(Self::line).collect();
        let result = self.append(text).await;
        messages.iter().map(|_| result.clone()).collect()
    }
}

/// POSTs `{"phone": …, "text": …}` as JSON to an SMS gateway at an `http://host:port/path`
/// URL (an intranet gateway; no TLS); any 2xx answer counts as delivered.
#[derive(Debug, Clone)]
pub struct HttpNotifier {
    pub url: String,
    pub timeout: Duration,
}

impl HttpNotifier {
    fn target(&self) -> Result<(String, String), String> {
        let rest = self
            .url
            .strip_prefix("http://")
            .ok_or_else(|| format!("短信网关地址应以 http:// 开头：{}", self.url))?;
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let host = if host.contains(':') {
            host.to_owned()
        } else {
            format!("{host}:80")
        };
        Ok((host, path.to_owned()))
    }
}

impl Notifier for HttpNotifier {
    async fn send(&self, message: &OutboxMessage) -> Result<(), String> {
        let (host, path) = self.target()?;
        let body =
            serde_json::json!({ "phone": message.phone, "text": message.body, "id": message.id })
                .to_string();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let exchange = async {
            let mut stream = tokio::net::TcpStream::connect(&host)
                .await
                .map_err(|e| format!("连接短信网关失败：{e}"))?;
            stream
                .write_all(request.as_bytes())
                .await
                .map_err(|e| e.to_string())?;
            let mut answer = Vec::new();
            stream
                .read_to_end(&mut answer)
                .await
                .map_err(|e| e.to_string())?;
            Ok::<Vec<u8>, String>(answer)
        };
        let answer = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| "短信网关超时".to_owned())??;
        let status_line = String::from_utf8_lossy(&answer);
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse::<u16>().ok())
            .unwrap_or(0);
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(format!("短信网关返回状态 {status}"))
        }
    }
}

/// Drains the outbox until `shutdown` resolves: batches of up to 50 messages; after a batch
/// that was not full a quarter-second pause (so under a stream of intakes each claim takes
/// many messages, rather than two write transactions for every one or two), after an empty
/// claim a second. Shutdown is checked between batches only, so a message is never
/// abandoned between being sent and being recorded as sent.
pub async fn run_outbox_worker<N: Notifier>(
    store: Store,
    notifier: N,
    worker: String,
    shutdown: impl Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    const BATCH: u32 = 50;
    loop {
        let mut pause = Duration::from_secs(1);
        match store.claim_outbox(BATCH).await {
            Ok(claimed) if !claimed.is_empty() => {
                pause = if claimed.len() < BATCH as usize {
                    Duration::from_millis(250)
                } else {
                    Duration::ZERO
                };
                let results = notifier.send_batch(&claimed).await;
                let outcomes: Vec<SendOutcome<'_>> = claimed
                    .iter()
                    .zip(results)
                    .map(|(message, result)| SendOutcome { message, result })
                    .collect();
                if let Err(error) = store.record_outbox(&worker, &outcomes).await {
                    tracing::warn!(%error, "outbox delivery could not be recorded");
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "outbox claim failed"),
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(pause) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_urls_split_into_host_and_path() {
        let notifier = HttpNotifier {
            url: "http://10.0.0.5:8088/sms/send".into(),
            timeout: Duration::from_secs(5),
        };
        assert_eq!(
            notifier.target().unwrap(),
            ("10.0.0.5:8088".to_owned(), "/sms/send".to_owned())
        );
        let bare = HttpNotifier {
            url: "http://sms.local".into(),
            timeout: Duration::from_secs(5),
        };
        assert_eq!(
            bare.target().unwrap(),
            ("sms.local:80".to_owned(), "/".to_owned())
        );
        assert!(
            HttpNotifier {
                url: "https://x".into(),
                timeout: Duration::from_secs(1)
            }
            .target()
            .is_err()
        );
    }
}
