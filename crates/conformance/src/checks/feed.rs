//! The event feed: ordered, resumable by cursor, and long-polled.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::failure::{ensure, fail, Checked, Failure};
use crate::http::Target;
use crate::wallet::{new_grant_id, Item, Wallet};

/// A cardholder whose feed holds at least `purchases` purchases (and their apps' events).
async fn busy_wallet(t: &Target, purchases: usize) -> Result<Wallet<'_>, Failure> {
    let wallet = Wallet::enroll(t).await?;
    let card = wallet.link_card().await?;
    let app = wallet.app().await?;
    wallet.create_grant(&new_grant_id(), &app, &card).await?;
    for n in 0..purchases {
        let minor = 1000 + i64::try_from(n).unwrap_or(0);
        wallet.purchase(&card, minor).await?;
    }
    Ok(wallet)
}

fn ids(items: &[Item]) -> Vec<&str> {
    items.iter().map(|i| i.id.as_str()).collect()
}

/// Walking the feed in small pages gives exactly the events of one large page, in the same
/// order: no duplicates, no gaps; cursors increase; each page's `next_cursor` is its last
/// item's cursor; `has_more` is true until the end; resuming from any cursor gives the rest;
/// a page after the end is empty and keeps the cursor.
pub async fn cursor_pages(t: &Target) -> Checked {
    let wallet = busy_wallet(t, 4).await?;
    let all = wallet.all_events().await?;
    ensure!(
        all.len() >= 5,
        "4 purchases under a grant left only {} events in the feed",
        all.len()
    );
    let unique: BTreeSet<&str> = ids(&all).into_iter().collect();
    ensure!(
        unique.len() == all.len(),
        "one page of the feed holds the same event twice"
    );
    for pair in all.windows(2) {
        ensure!(
            pair[0].cursor < pair[1].cursor,
            "cursors do not increase: {} then {}",
            pair[0].cursor_text,
            pair[1].cursor_text
        );
    }
    let mut walked: Vec<Item> = Vec::new();
    let mut after = String::new();
    let mut pages = 0;
    loop {
        pages += 1;
        ensure!(pages <= all.len() + 2, "paging by 2 does not end");
        let page = wallet.page(&after, 2, 0).await?;
        ensure!(
            page.items.len() <= 2,
            "a page asked for 2 events holds {}",
            page.items.len()
        );
        match page.items.last() {
            Some(last) => ensure!(
                page.next_cursor == last.cursor_text,
                "next_cursor {} is not the page's last cursor {}",
                page.next_cursor,
                last.cursor_text
            ),
            None => ensure!(
                page.next_cursor == after || after.is_empty(),
                "an empty page moved the cursor from {after} to {}",
                page.next_cursor
            ),
        }
        let more = page.has_more;
        let empty = page.items.is_empty();
        walked.extend(page.items);
        after = page.next_cursor;
        if !more {
            break;
        }
        ensure!(!empty, "an empty page says has_more");
    }
    ensure!(
        ids(&walked) == ids(&all),
        "pages of 2 do not add up to the feed: {} events walked, {} in one page{}",
        walked.len(),
        all.len(),
        first_difference(&walked, &all)
    );
    let middle = &all[all.len() / 2];
    let rest = wallet.page(&middle.cursor_text, 500, 0).await?;
    ensure!(
        ids(&rest.items) == ids(&all[all.len() / 2 + 1..]),
        "resuming after cursor {} does not give exactly the events after it",
        middle.cursor_text
    );
    let last = &all[all.len() - 1];
    let end = wallet.page(&last.cursor_text, 500, 0).await?;
    ensure!(
        end.items.is_empty() && !end.has_more && end.next_cursor == last.cursor_text,
        "the page after the last event is not empty with next_cursor unchanged ({} events, next_cursor {}, has_more {})",
        end.items.len(),
        end.next_cursor,
        end.has_more
    );
    Ok(())
}

fn first_difference(walked: &[Item], all: &[Item]) -> String {
    let (a, b) = (ids(walked), ids(all));
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        if x != y {
            return format!(" (first difference at position {i}: {x} vs {y})");
        }
    }
    String::new()
}

/// A purchase made while a `wait=10` request is pending wakes it: the answer carries the
/// purchase's event and comes before the 10 seconds are up.
pub async fn long_poll_wakes(t: &Target) -> Checked {
    let wallet = Wallet::enroll(t).await?;
    let card = wallet.link_card().await?;
    let cursor = wallet
        .all_events()
        .await?
        .last()
        .map_or_else(String::new, |i| i.cursor_text.clone());
    let wait = 10;
    let started = Instant::now();
    let poll = async {
        let page = wallet.page(&cursor, 100, wait).await;
        (page, started.elapsed())
    };
    let purchase = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        wallet.purchase(&card, 1999).await
    };
    let ((page, elapsed), step) = tokio::join!(poll, purchase);
    let page = page?;
    let step = step?;
    let event_id = step["event_ids"][0].as_str().unwrap_or_default();
    if !page.items.iter().any(|i| i.id == event_id) {
        fail!(
            "the long-poll answered after {} ms without the purchase's event {event_id} ({} events)",
            elapsed.as_millis(),
            page.items.len()
        );
    }
    ensure!(
        elapsed < Duration::from_secs(u64::from(wait)),
        "the long-poll answered after {} ms, not before its {wait} s wait was over",
        elapsed.as_millis()
    );
    Ok(())
}

/// With `wait=1` and nothing new, the request is held for the second, then answers an empty
/// page with the cursor unchanged.
pub async fn long_poll_holds(t: &Target) -> Checked {
    let wallet = Wallet::enroll_unlinked(t).await?;
    let start = wallet.page("", 500, 0).await?;
    let cursor = start
        .items
        .last()
        .map_or_else(String::new, |i| i.cursor_text.clone());
    let started = Instant::now();
    let page = wallet.page(&cursor, 100, 1).await?;
    let elapsed = started.elapsed();
    ensure!(
        page.items.is_empty() && !page.has_more,
        "nothing happened, yet the long-poll answered {} events",
        page.items.len()
    );
    ensure!(
        cursor.is_empty() || page.next_cursor == cursor,
        "an empty long-poll moved the cursor from {cursor} to {}",
        page.next_cursor
    );
    ensure!(
        elapsed >= Duration::from_millis(900),
        "with nothing new, wait=1 answered after {} ms instead of holding about a second",
        elapsed.as_millis()
    );
    Ok(())
}

/// A cursor that is not one, and `limit` or `wait` out of their documented ranges, are 400
/// with a documented code.
pub async fn bad_parameters(t: &Target) -> Checked {
    let wallet = Wallet::enroll_unlinked(t).await?;
    for query in [
        "after=abc",
        "after=-1",
        "limit=0",
        "limit=501",
        "limit=ten",
        "wait=31",
        "wait=-1",
    ] {
        wallet
            .get(&format!("/v1/events?{query}"))
            .await?
            .expect_error_any(400, &["invalid_cursor", "invalid_query"])
            .map_err(|f| f.context(query))?;
    }
    for query in ["limit=1", "limit=500", "wait=0", "after="] {
        wallet
            .get(&format!("/v1/events?{query}"))
            .await?
            .expect(200)
            .map_err(|f| f.context(query))?;
    }
    Ok(())
}
