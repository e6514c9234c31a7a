//! Cards: CRUD, validation, and never a full card number.

use consentry_domain::{Brand, Expiry};
use consentry_store::cards::{self, CardStatus, NewCard};
use consentry_store::StoreError;

use crate::support::{now, passphrase_wallet};

pub fn new_card(token: &str, last4: &str) -> NewCard {
    NewCard {
        token: token.to_owned(),
        brand: Brand::Visa,
        last4: last4.to_owned(),
        expiry: Expiry::new(12, 2030).unwrap(),
        nickname: Some("Groceries".to_owned()),
    }
}

#[tokio::test]
async fn link_list_rename_pause_and_delete() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let card = cards::insert(pool, &new_card("tok_a", "1111"), now())
        .await
        .unwrap();
    assert_eq!(card.status, CardStatus::Active);
    assert_eq!(card.brand, Brand::Visa);
    assert_eq!(card.expiry, Expiry::new(12, 2030).unwrap());
    cards::insert(pool, &new_card("tok_b", "4444"), now())
        .await
        .unwrap();
    let all = cards::list(pool).await.unwrap();
    assert_eq!(
        all.iter().map(|c| c.token.as_str()).collect::<Vec<_>>(),
        ["tok_a", "tok_b"]
    );

    let renamed = cards::set_nickname(pool, "tok_a", Some("  Travel  "), now())
        .await
        .unwrap();
    assert_eq!(renamed.nickname.as_deref(), Some("Travel"));
    let cleared = cards::set_nickname(pool, "tok_a", Some(" "), now())
        .await
        .unwrap();
    assert_eq!(cleared.nickname, None);
    let paused = cards::set_status(pool, "tok_b", CardStatus::Paused, now())
        .await
        .unwrap();
    assert_eq!(paused.status, CardStatus::Paused);

    assert!(cards::delete(pool, "tok_a").await.unwrap());
    assert!(!cards::delete(pool, "tok_a").await.unwrap());
    assert_eq!(cards::get(pool, "tok_a").await.unwrap(), None);
    assert!(matches!(
        cards::set_status(pool, "tok_a", CardStatus::Active, now()).await,
        Err(StoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn bad_cards_are_refused_with_clear_errors() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    cards::insert(pool, &new_card("tok_a", "1111"), now())
        .await
        .unwrap();
    let dup = cards::insert(pool, &new_card("tok_a", "1111"), now())
        .await
        .unwrap_err();
    assert!(
        matches!(
            dup,
            StoreError::Invalid {
                field: "card token",
                ..
            }
        ),
        "{dup}"
    );
    let last4 = cards::insert(pool, &new_card("tok_c", "12a4"), now())
        .await
        .unwrap_err();
    assert!(
        matches!(last4, StoreError::Invalid { field: "last4", .. }),
        "{last4}"
    );

    let mut pan_nickname = new_card("tok_d", "1111");
    pan_nickname.nickname = Some("my 4111 1111 1111 1111 card".into());
    let err = cards::insert(pool, &pan_nickname, now()).await.unwrap_err();
    assert!(
        matches!(err, StoreError::CardNumberInText { field: "nickname" }),
        "{err}"
    );
    let err = cards::insert(pool, &new_card("4111111111111111", "1111"), now())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::CardNumberInText {
                field: "card token"
            }
        ),
        "{err}"
    );
    let err = cards::set_nickname(pool, "tok_a", Some("5555-5555-5555-4444"), now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::CardNumberInText { .. }), "{err}");
    let err = cards::set_nickname(pool, "tok_a", Some(&"x".repeat(65)), now())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                field: "nickname",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        cards::list(pool).await.unwrap().len(),
        1,
        "nothing half-written"
    );
}
