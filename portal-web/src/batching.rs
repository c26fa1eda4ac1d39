//! The next batch of a writer that stores what requests queue (the request log, page views): what
//! has queued, then what comes within a few milliseconds more, up to the batch's size.

use std::time::Duration;

use tokio::sync::mpsc::Receiver;

/// How long a writer waits for more once something has come and the batch is not full. A row in
/// a batch of 6 cost PostgreSQL several times one in a batch of 50 (a statement, its plan, its
/// commit, per batch; issue 15, docs/adr/0052); a log entry or a page view stored 10 ms later
/// changes nothing for anyone.
pub const LINGER: Duration = Duration::from_millis(10);

/// Waits for at least one item, then gathers more for at most [`LINGER`] or until `batch` holds
/// `max`. False once the queue is closed and empty (the writer ends).
pub async fn next<T>(rx: &mut Receiver<T>, batch: &mut Vec<T>, max: usize) -> bool {
    if rx.recv_many(batch, max).await == 0 {
        return false;
    }
    let until = tokio::time::Instant::now() + LINGER;
    while batch.len() < max {
        // `recv_many` is cancel safe: an item is either in `batch` or still queued.
        match tokio::time::timeout_at(until, rx.recv_many(batch, max - batch.len())).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_batch_gathers_what_comes_within_the_linger_and_stops_at_its_size() {
        let (tx, mut rx) = tokio::sync::mpsc::channel(100);
        tx.send(1).await.unwrap();
        let late = tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(LINGER / 4).await;
            late.send(2).await.unwrap();
        });
        let mut batch = Vec::new();
        assert!(next(&mut rx, &mut batch, 10).await);
        assert_eq!(batch, [1, 2], "the item sent a moment later joins the batch");

        for i in 0..5 {
            tx.send(i).await.unwrap();
        }
        batch.clear();
        assert!(next(&mut rx, &mut batch, 3).await);
        assert_eq!(batch, [0, 1, 2], "never more than the batch's size");
        batch.clear();
        assert!(next(&mut rx, &mut batch, 3).await);
        assert_eq!(batch, [3, 4]);

        drop(tx);
        batch.clear();
        assert!(!next(&mut rx, &mut batch, 3).await, "closed and empty: the writer ends");
        assert!(batch.is_empty());
    }
}
