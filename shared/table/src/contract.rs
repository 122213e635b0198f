//! The contract every [`Table`] backend must honour, as one suite run unchanged against each.
//!
//! A backend's test file calls [`table_contract_tests!`] with an async expression that builds a
//! fresh table; the macro expands into one named `#[tokio::test]` per case, so the test output
//! lists every case for every backend. Cases use their own partitions, so they may share one
//! physical table (the emulator's) and run in parallel.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::definition::{GSI1, GSI2, TTL_ATTRIBUTE, VERSION_ATTRIBUTE};
use crate::{
    Condition, Cursor, Index, Item, ItemExt, Key, Query, SortKeyCondition, Table, TableError,
    Value, WriteOp, now_epoch_seconds,
};

/// Expand into one `#[tokio::test]` per contract case. `$make` is an async expression (awaited
/// once per test) that yields something implementing [`Table`].
#[macro_export]
macro_rules! table_contract_tests {
    ($make:expr) => {
        $crate::table_contract_tests!(@cases $make;
            put_then_get_round_trips_every_attribute_type,
            get_of_a_missing_item_is_none,
            create_only_put_refuses_an_existing_item,
            concurrent_create_only_puts_have_exactly_one_winner,
            concurrent_versioned_writes_have_exactly_one_winner,
            version_condition_on_a_missing_item_conflicts,
            conditional_delete,
            transaction_failing_on_third_item_leaves_nothing_written,
            transaction_applies_puts_deletes_and_checks_together,
            transaction_rejects_the_same_item_twice_and_oversized_batches,
            sort_key_conditions_on_the_base_table,
            gsi_queries_follow_puts_replacements_and_deletes,
            gsi2_is_sparse_and_queryable,
            pagination_walks_every_item_once_in_both_directions,
            descending_order_with_a_condition,
            expired_items_are_invisible_and_replaceable,
            malformed_keys_are_invalid,
            compact_puts_store_the_item_they_encode,
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let table = $make.await;
                $crate::contract::$case(&table).await;
            }
        )*
    };
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A partition name no other case (or earlier run against a shared table) uses.
fn fresh(label: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "CONTRACT#{label}#{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn item(pk: &str, sk: &str, extra: &[(&str, Value)]) -> Item {
    let mut map = HashMap::new();
    map.insert("PK".to_string(), Value::S(pk.to_string()));
    map.insert("SK".to_string(), Value::S(sk.to_string()));
    for (name, value) in extra {
        map.insert((*name).to_string(), value.clone());
    }
    Item::from(map)
}

fn s(value: &str) -> Value {
    Value::S(value.to_string())
}

fn n(value: u64) -> Value {
    Value::N(value.to_string())
}

fn sort_keys(items: &[Item], attribute: &str) -> Vec<String> {
    items
        .iter()
        .map(|item| item.string(attribute).unwrap_or_default().to_string())
        .collect()
}

async fn query_all(table: &impl Table, query: Query) -> Vec<Item> {
    let mut out = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = table
            .query(&query.clone().after(cursor.take()))
            .await
            .expect("query");
        out.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return out,
        }
    }
}

fn expect_conflict(result: Result<(), TableError>, failed: &[usize]) {
    match result {
        Err(TableError::Conflict(conflict)) => assert_eq!(conflict.failed, failed),
        other => panic!("expected a conflict on {failed:?}, got {other:?}"),
    }
}

pub async fn put_then_get_round_trips_every_attribute_type(table: &impl Table) {
    let pk = fresh("types");
    let mut nested = HashMap::new();
    nested.insert("inner".to_string(), n(7));
    let stored = item(
        &pk,
        "ITEM",
        &[
            ("text", s("héllo, wörld")),
            ("count", Value::N("-12.5".into())),
            ("flag", Value::Bool(true)),
            ("bytes", Value::B(vec![0, 1, 2, 255])),
            ("list", Value::L(vec![s("a"), n(1)])),
            ("map", Value::M(nested)),
            ("nothing", Value::Null(true)),
            ("tags", Value::Ss(vec!["x".into(), "y".into()])),
        ],
    );
    table
        .put(stored.clone(), Condition::None)
        .await
        .expect("put");
    let read = table.get(&Key::new(&pk, "ITEM")).await.expect("get");
    let mut read = read.expect("item present");
    // Sets are unordered in DynamoDB.
    if let Some(Value::Ss(tags)) = read.get_mut("tags") {
        tags.sort();
    }
    assert_eq!(read, stored);
}

pub async fn get_of_a_missing_item_is_none(table: &impl Table) {
    let pk = fresh("missing");
    assert_eq!(table.get(&Key::new(&pk, "NOPE")).await.expect("get"), None);
}

pub async fn create_only_put_refuses_an_existing_item(table: &impl Table) {
    let pk = fresh("create");
    let first = item(&pk, "LOCK", &[("owner", s("first"))]);
    table
        .put(first.clone(), Condition::NotExists)
        .await
        .expect("first put");
    let second = item(&pk, "LOCK", &[("owner", s("second"))]);
    expect_conflict(table.put(second, Condition::NotExists).await, &[0]);
    let read = table.get(&Key::new(&pk, "LOCK")).await.expect("get");
    assert_eq!(
        read,
        Some(first),
        "the losing write must not change the item"
    );
}

pub async fn concurrent_create_only_puts_have_exactly_one_winner(table: &impl Table) {
    let pk = fresh("race-create");
    let attempts = (0..16).map(|i| {
        let candidate = item(&pk, "LOCK", &[("owner", n(i))]);
        table.put(candidate, Condition::NotExists)
    });
    let results = futures_join_all(attempts).await;
    let winners = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(TableError::Conflict(_))))
        .count();
    assert_eq!((winners, conflicts), (1, 15), "{results:?}");
}

pub async fn concurrent_versioned_writes_have_exactly_one_winner(table: &impl Table) {
    let pk = fresh("race-version");
    let key = Key::new(&pk, "STATE");
    table
        .put(
            item(&pk, "STATE", &[(VERSION_ATTRIBUTE, n(1))]),
            Condition::NotExists,
        )
        .await
        .expect("seed");
    let attempts = (0..16).map(|i| {
        let next = item(&pk, "STATE", &[(VERSION_ATTRIBUTE, n(2)), ("writer", n(i))]);
        table.put(next, Condition::VersionEquals(1))
    });
    let results = futures_join_all(attempts).await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    let read = table.get(&key).await.expect("get").expect("present");
    assert_eq!(read.version(), Some(2));
    // A stale writer still holding version 1 loses.
    expect_conflict(
        table
            .put(
                item(&pk, "STATE", &[(VERSION_ATTRIBUTE, n(2))]),
                Condition::VersionEquals(1),
            )
            .await,
        &[0],
    );
}

pub async fn version_condition_on_a_missing_item_conflicts(table: &impl Table) {
    let pk = fresh("version-missing");
    expect_conflict(
        table
            .put(
                item(&pk, "STATE", &[(VERSION_ATTRIBUTE, n(1))]),
                Condition::VersionEquals(0),
            )
            .await,
        &[0],
    );
    expect_conflict(
        table.put(item(&pk, "STATE", &[]), Condition::Exists).await,
        &[0],
    );
    assert_eq!(table.get(&Key::new(&pk, "STATE")).await.expect("get"), None);
}

pub async fn conditional_delete(table: &impl Table) {
    let pk = fresh("delete");
    let key = Key::new(&pk, "STATE");
    table
        .put(
            item(&pk, "STATE", &[(VERSION_ATTRIBUTE, n(3))]),
            Condition::None,
        )
        .await
        .expect("put");
    expect_conflict(table.delete(&key, Condition::VersionEquals(2)).await, &[0]);
    assert!(table.get(&key).await.expect("get").is_some());
    table
        .delete(&key, Condition::VersionEquals(3))
        .await
        .expect("delete");
    assert_eq!(table.get(&key).await.expect("get"), None);
    table
        .delete(&key, Condition::None)
        .await
        .expect("deleting a missing item is fine");
    expect_conflict(table.delete(&key, Condition::Exists).await, &[0]);
}

pub async fn transaction_failing_on_third_item_leaves_nothing_written(table: &impl Table) {
    let pk = fresh("txn-fail");
    table
        .put(
            item(&pk, "C", &[(VERSION_ATTRIBUTE, n(5))]),
            Condition::None,
        )
        .await
        .expect("seed c");
    table
        .put(item(&pk, "E", &[("keep", s("me"))]), Condition::None)
        .await
        .expect("seed e");
    let ops = vec![
        WriteOp::Put {
            item: item(&pk, "A", &[]),
            condition: Condition::NotExists,
        },
        WriteOp::Put {
            item: item(&pk, "B", &[]),
            condition: Condition::None,
        },
        WriteOp::Put {
            item: item(&pk, "C", &[(VERSION_ATTRIBUTE, n(5))]),
            condition: Condition::VersionEquals(4),
        },
        WriteOp::Put {
            item: item(&pk, "D", &[]),
            condition: Condition::None,
        },
        WriteOp::Delete {
            key: Key::new(&pk, "E"),
            condition: Condition::None,
        },
    ];
    expect_conflict(table.transact_write(ops).await, &[2]);
    let left = query_all(table, Query::partition(Index::Base, &pk)).await;
    assert_eq!(
        sort_keys(&left, "SK"),
        ["C", "E"],
        "nothing of the failed transaction may land"
    );
}

pub async fn transaction_applies_puts_deletes_and_checks_together(table: &impl Table) {
    let pk = fresh("txn-ok");
    table
        .put(
            item(&pk, "GUARD", &[(VERSION_ATTRIBUTE, n(1))]),
            Condition::None,
        )
        .await
        .expect("seed guard");
    table
        .put(item(&pk, "OLD", &[]), Condition::None)
        .await
        .expect("seed old");
    let ops = vec![
        WriteOp::Check {
            key: Key::new(&pk, "GUARD"),
            condition: Condition::VersionEquals(1),
        },
        WriteOp::Put {
            item: item(&pk, "NEW1", &[]),
            condition: Condition::NotExists,
        },
        WriteOp::Put {
            item: item(&pk, "NEW2", &[("n", n(2))]),
            condition: Condition::None,
        },
        WriteOp::Delete {
            key: Key::new(&pk, "OLD"),
            condition: Condition::Exists,
        },
    ];
    table.transact_write(ops).await.expect("transaction");
    let left = query_all(table, Query::partition(Index::Base, &pk)).await;
    assert_eq!(sort_keys(&left, "SK"), ["GUARD", "NEW1", "NEW2"]);
}

pub async fn transaction_rejects_the_same_item_twice_and_oversized_batches(table: &impl Table) {
    let pk = fresh("txn-invalid");
    let twice = vec![
        WriteOp::Put {
            item: item(&pk, "A", &[]),
            condition: Condition::None,
        },
        WriteOp::Delete {
            key: Key::new(&pk, "A"),
            condition: Condition::None,
        },
    ];
    assert!(matches!(
        table.transact_write(twice).await,
        Err(TableError::Invalid(_))
    ));
    let too_many = (0..=crate::MAX_TRANSACTION_ITEMS)
        .map(|i| WriteOp::Put {
            item: item(&pk, &format!("I{i:03}"), &[]),
            condition: Condition::None,
        })
        .collect();
    assert!(matches!(
        table.transact_write(too_many).await,
        Err(TableError::Invalid(_))
    ));
    assert!(
        query_all(table, Query::partition(Index::Base, &pk))
            .await
            .is_empty()
    );
}

async fn seed_sorted(table: &impl Table, pk: &str) {
    let ops = ["A#01", "A#02", "A#03", "A#10", "AB", "B#01", "B#02"]
        .iter()
        .map(|sk| WriteOp::Put {
            item: item(pk, sk, &[]),
            condition: Condition::None,
        })
        .collect();
    table.transact_write(ops).await.expect("seed");
}

pub async fn sort_key_conditions_on_the_base_table(table: &impl Table) {
    let pk = fresh("sort");
    seed_sorted(table, &pk).await;
    let cases: Vec<(SortKeyCondition, Vec<&str>)> = vec![
        (SortKeyCondition::Equals("A#02".into()), vec!["A#02"]),
        (
            SortKeyCondition::BeginsWith("A#".into()),
            vec!["A#01", "A#02", "A#03", "A#10"],
        ),
        (
            SortKeyCondition::BeginsWith("A".into()),
            vec!["A#01", "A#02", "A#03", "A#10", "AB"],
        ),
        (
            SortKeyCondition::Between("A#02".into(), "AB".into()),
            vec!["A#02", "A#03", "A#10", "AB"],
        ),
        (
            SortKeyCondition::LessThan("A#03".into()),
            vec!["A#01", "A#02"],
        ),
        (
            SortKeyCondition::LessOrEqual("A#03".into()),
            vec!["A#01", "A#02", "A#03"],
        ),
        (
            SortKeyCondition::GreaterThan("AB".into()),
            vec!["B#01", "B#02"],
        ),
        (
            SortKeyCondition::GreaterOrEqual("AB".into()),
            vec!["AB", "B#01", "B#02"],
        ),
        (
            SortKeyCondition::GreaterThan("A#10".into()),
            vec!["AB", "B#01", "B#02"],
        ),
        (SortKeyCondition::Equals("A#0".into()), vec![]),
    ];
    for (condition, expected) in cases {
        let found = query_all(
            table,
            Query::partition(Index::Base, &pk).sort(condition.clone()),
        )
        .await;
        assert_eq!(sort_keys(&found, "SK"), expected, "{condition:?}");
    }
}

pub async fn gsi_queries_follow_puts_replacements_and_deletes(table: &impl Table) {
    let base = fresh("gsi1");
    let listing = format!("{base}#LIST");
    let other = format!("{base}#OTHER");
    let entry = |id: &str, gsi_pk: &str, gsi_sk: &str| {
        item(
            &format!("{base}#{id}"),
            "ITEM",
            &[
                (GSI1.partition_key, s(gsi_pk)),
                (GSI1.sort_key, s(gsi_sk)),
                ("id", s(id)),
            ],
        )
    };
    for (id, sk) in [
        ("x", "maths#03"),
        ("y", "maths#01"),
        ("z", "science#02"),
        ("w", "maths#01"),
    ] {
        table
            .put(entry(id, &listing, sk), Condition::None)
            .await
            .expect("put");
    }
    // An item without GSI keys is not in the index.
    table
        .put(item(&format!("{base}#plain"), "ITEM", &[]), Condition::None)
        .await
        .expect("put");

    let maths = query_all(
        table,
        Query::partition(Index::Gsi1, &listing).sort(SortKeyCondition::BeginsWith("maths#".into())),
    )
    .await;
    assert_eq!(
        sort_keys(&maths, GSI1.sort_key),
        ["maths#01", "maths#01", "maths#03"]
    );
    let mut ids = sort_keys(&maths[..2], "id");
    ids.sort();
    assert_eq!(ids, ["w", "y"], "duplicate index keys keep both items");

    // Replacing an item moves it in the index; deleting removes it.
    table
        .put(entry("x", &other, "maths#03"), Condition::None)
        .await
        .expect("move");
    table
        .delete(&Key::new(format!("{base}#y"), "ITEM"), Condition::None)
        .await
        .expect("delete");
    let left = query_all(table, Query::partition(Index::Gsi1, &listing)).await;
    assert_eq!(sort_keys(&left, "id"), ["w", "z"]);
    let moved = query_all(table, Query::partition(Index::Gsi1, &other)).await;
    assert_eq!(sort_keys(&moved, "id"), ["x"]);

    // Replaced with the same index keys: still there once, as the new item.
    let again = item(
        &format!("{base}#w"),
        "ITEM",
        &[
            (GSI1.partition_key, s(&listing)),
            (GSI1.sort_key, s("maths#01")),
            ("id", s("w2")),
        ],
    );
    table.put(again, Condition::None).await.expect("replace");
    let kept = query_all(table, Query::partition(Index::Gsi1, &listing)).await;
    assert_eq!(sort_keys(&kept, "id"), ["w2", "z"]);
    // Replaced without index keys: out of the index.
    table
        .put(item(&format!("{base}#z"), "ITEM", &[]), Condition::None)
        .await
        .expect("replace");
    let left = query_all(table, Query::partition(Index::Gsi1, &listing)).await;
    assert_eq!(sort_keys(&left, "id"), ["w2"]);
}

pub async fn gsi2_is_sparse_and_queryable(table: &impl Table) {
    let base = fresh("gsi2");
    let shard = format!("{base}#ACTIVITY#0");
    for (id, at) in [
        ("a", "2026-01-03"),
        ("b", "2026-01-01"),
        ("c", "2026-01-02"),
    ] {
        let record = item(
            &format!("{base}#{id}"),
            "PROFILE",
            &[(GSI2.partition_key, s(&shard)), (GSI2.sort_key, s(at))],
        );
        table.put(record, Condition::None).await.expect("put");
    }
    let before = query_all(
        table,
        Query::partition(Index::Gsi2, &shard).sort(SortKeyCondition::LessThan("2026-01-03".into())),
    )
    .await;
    assert_eq!(
        sort_keys(&before, GSI2.sort_key),
        ["2026-01-01", "2026-01-02"]
    );
    let in_gsi1 = table
        .query(&Query::partition(Index::Gsi1, &shard))
        .await
        .expect("query");
    assert!(in_gsi1.items.is_empty());
}

pub async fn pagination_walks_every_item_once_in_both_directions(table: &impl Table) {
    let pk = fresh("pages");
    let all: Vec<String> = (0..23).map(|i| format!("ITEM#{i:03}")).collect();
    for chunk in all.chunks(10) {
        let ops = chunk
            .iter()
            .map(|sk| WriteOp::Put {
                item: item(&pk, sk, &[]),
                condition: Condition::None,
            })
            .collect();
        table.transact_write(ops).await.expect("seed");
    }
    for descending in [false, true] {
        let mut query = Query::partition(Index::Base, &pk).limit(7);
        query.descending = descending;
        let mut seen = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let page = table
                .query(&query.clone().after(cursor.take()))
                .await
                .expect("page");
            assert!(page.items.len() <= 7);
            pages += 1;
            seen.extend(sort_keys(&page.items, "SK"));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
            assert!(pages < 10, "pagination does not terminate");
        }
        let mut expected = all.clone();
        if descending {
            expected.reverse();
        }
        assert_eq!(seen, expected, "descending={descending}");
        assert!(pages >= 4, "23 items in pages of 7 take at least 4 pages");
    }
    // Cursors come back from clients: one that is not base64url, or one issued for another
    // partition, is refused as a bad cursor (a 400 upstream), never a backend failure.
    let first = table
        .query(&Query::partition(Index::Base, &pk).limit(7))
        .await
        .expect("page");
    let other = fresh("pages-other");
    table
        .put(item(&other, "ITEM#000", &[]), Condition::None)
        .await
        .expect("other partition");
    for cursor in [
        Cursor("not base64url!".into()),
        Cursor("\u{0}\u{1}".into()),
        first.next.clone().expect("a cursor"),
    ] {
        let query = Query::partition(Index::Base, &other)
            .limit(7)
            .after(Some(cursor.clone()));
        assert!(
            matches!(table.query(&query).await, Err(TableError::BadCursor)),
            "{cursor:?}"
        );
    }
}

pub async fn descending_order_with_a_condition(table: &impl Table) {
    let pk = fresh("desc");
    seed_sorted(table, &pk).await;
    let query = Query::partition(Index::Base, &pk)
        .sort(SortKeyCondition::BeginsWith("A#".into()))
        .descending()
        .limit(2);
    let page = table.query(&query).await.expect("query");
    assert_eq!(sort_keys(&page.items, "SK"), ["A#10", "A#03"]);
    assert!(page.next.is_some());
}

pub async fn expired_items_are_invisible_and_replaceable(table: &impl Table) {
    let pk = fresh("ttl");
    let now = now_epoch_seconds();
    table
        .put(
            item(&pk, "OLD", &[(TTL_ATTRIBUTE, n(now - 60))]),
            Condition::None,
        )
        .await
        .expect("put expired");
    table
        .put(
            item(&pk, "LIVE", &[(TTL_ATTRIBUTE, n(now + 3600))]),
            Condition::None,
        )
        .await
        .expect("put live");
    table
        .put(item(&pk, "FOREVER", &[]), Condition::None)
        .await
        .expect("put");
    assert_eq!(table.get(&Key::new(&pk, "OLD")).await.expect("get"), None);
    let listed = query_all(table, Query::partition(Index::Base, &pk)).await;
    assert_eq!(sort_keys(&listed, "SK"), ["FOREVER", "LIVE"]);
    // An expired lock can be taken again; a live one cannot.
    table
        .put(
            item(&pk, "OLD", &[("owner", s("new"))]),
            Condition::NotExists,
        )
        .await
        .expect("expired item counts as absent");
    expect_conflict(
        table
            .put(item(&pk, "LIVE", &[]), Condition::NotExists)
            .await,
        &[0],
    );
}

pub async fn malformed_keys_are_invalid(table: &impl Table) {
    let pk = fresh("invalid");
    let no_sort_key = Item::from(HashMap::from([("PK".to_string(), s(&pk))]));
    assert!(matches!(
        table.put(no_sort_key, Condition::None).await,
        Err(TableError::Invalid(_))
    ));
    assert!(matches!(
        table.get(&Key::new(&pk, "")).await,
        Err(TableError::Invalid(_))
    ));
    let bad = item(&pk, "A\u{0}B", &[]);
    assert!(matches!(
        table.put(bad, Condition::None).await,
        Err(TableError::Invalid(_))
    ));
}

/// A put of an item in compact form, as [`crate::put_record`] makes them.
fn compact_put(item: &Item, condition: Condition) -> WriteOp {
    let mut bytes = Vec::new();
    crate::compact::encode(item, &mut bytes);
    WriteOp::PutCompact {
        item: bytes,
        condition,
    }
}

pub async fn compact_puts_store_the_item_they_encode(table: &impl Table) {
    let pk = fresh("compact");
    let listing = format!("{pk}#LIST");
    let now = now_epoch_seconds();
    let versioned = |version: u64, note: &str| {
        item(
            &pk,
            "ITEM",
            &[
                (GSI1.partition_key, s(&listing)),
                (GSI1.sort_key, s("a")),
                (VERSION_ATTRIBUTE, n(version)),
                (TTL_ATTRIBUTE, n(now + 3600)),
                ("note", s(note)),
                ("list", Value::L(vec![s("x"), n(2), Value::Null(true)])),
            ],
        )
    };
    let first = versioned(1, "first");
    table
        .transact_write(vec![compact_put(&first, Condition::NotExists)])
        .await
        .expect("compact put");
    let read = table.get(&Key::new(&pk, "ITEM")).await.expect("get");
    assert_eq!(read.as_ref(), Some(&first));
    let listed = query_all(table, Query::partition(Index::Gsi1, &listing)).await;
    assert_eq!(
        listed,
        std::slice::from_ref(&first),
        "in the index its attributes name"
    );

    // Its version is the one conditions see; create-only sees it exists.
    expect_conflict(
        table
            .transact_write(vec![compact_put(&first, Condition::NotExists)])
            .await,
        &[0],
    );
    let second = versioned(2, "second");
    table
        .transact_write(vec![compact_put(&second, Condition::VersionEquals(1))])
        .await
        .expect("versioned compact put");
    expect_conflict(
        table
            .transact_write(vec![compact_put(&second, Condition::VersionEquals(1))])
            .await,
        &[0],
    );
    assert_eq!(
        table.get(&Key::new(&pk, "ITEM")).await.expect("get"),
        Some(second)
    );

    // Its TTL is the one reads see; without index keys it leaves the index.
    let expired = item(&pk, "ITEM", &[(TTL_ATTRIBUTE, n(now - 60))]);
    table
        .transact_write(vec![compact_put(&expired, Condition::None)])
        .await
        .expect("expired compact put");
    assert_eq!(table.get(&Key::new(&pk, "ITEM")).await.expect("get"), None);
    assert!(
        query_all(table, Query::partition(Index::Gsi1, &listing))
            .await
            .is_empty()
    );

    // The same key rules as any put: nothing is written.
    let no_sort_key = Item::from(HashMap::from([("PK".to_string(), s(&pk))]));
    assert!(matches!(
        table
            .transact_write(vec![compact_put(&no_sort_key, Condition::None)])
            .await,
        Err(TableError::Invalid(_))
    ));
}

/// `join_all` without pulling in the futures crate: spawn-free, polls all futures together.
async fn futures_join_all<F, T>(futures: impl IntoIterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T>,
{
    let mut pending: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<T>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, future) in results.iter_mut().zip(pending.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *slot = Some(value),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    results.into_iter().flatten().collect()
}
