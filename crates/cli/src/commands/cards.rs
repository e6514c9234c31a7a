//! `card list|link|rename|unlink` and `apps`.

use std::io::{BufRead as _, IsTerminal as _};

use clap::Args;
use consentry_api::{
    AppsListRequest, CardLinkRequest, CardRenameRequest, CardUnlinkRequest, CardsListRequest,
};
use zeroize::Zeroizing;

use super::Run;
use crate::exit::CliError;

/// `consentry card list`.
pub async fn list(run: &Run<'_>) -> Result<(), CliError> {
    let cards = run
        .with_wallet(None, async |ctx| {
            Ok(consentry_api::cards_list(ctx, CardsListRequest {}).await?)
        })
        .await?;
    run.show(&cards, |list| {
        let mut text = String::from("token\tcard\texpires\tnickname\n");
        for c in &list.cards {
            text.push_str(&format!(
                "{}\t{} {}\t{:02}/{}\t{}\n",
                c.token,
                c.brand,
                c.masked,
                c.exp_month,
                c.exp_year,
                c.nickname.as_deref().unwrap_or("")
            ));
        }
        text
    })
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The expiry date, MM/YYYY (or MM/YY).
    #[arg(long, value_name = "MM/YYYY")]
    pub expiry: String,
    /// A name for the card.
    #[arg(long, value_name = "NAME")]
    pub nickname: Option<String>,
    /// Connect to this platform first if the wallet is not connected yet.
    #[arg(long, value_name = "URL", env = "CONSENTRY_PLATFORM_URL")]
    pub platform_url: Option<String>,
}

fn parse_expiry(text: &str) -> Result<(u8, u16), CliError> {
    let bad = || CliError::usage(format!("--expiry: expected MM/YYYY, got {text:?}"));
    let (month, year) = text.trim().split_once('/').ok_or_else(bad)?;
    let month: u8 = month.parse().map_err(|_| bad())?;
    let year: u16 = match year.len() {
        2 => 2000 + year.parse::<u16>().map_err(|_| bad())?,
        4 => year.parse().map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    Ok((month, year))
}

/// The card number: typed on the terminal without echo, or the first line of standard input.
/// Never from the command line or the environment (shell history, the process list).
fn read_card_number() -> Result<Zeroizing<String>, CliError> {
    let number = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Card number (not shown): ")
            .map_err(|e| CliError::other(format!("cannot read the card number: {e}")))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::other(format!("cannot read the card number: {e}")))?;
        line
    };
    let number = Zeroizing::new(number);
    if number.trim().is_empty() {
        return Err(CliError::usage(
            "no card number: type it at the prompt, or send it on standard input",
        ));
    }
    Ok(Zeroizing::new(number.trim().to_owned()))
}

/// `consentry card link`.
pub async fn link(run: &Run<'_>, args: LinkArgs) -> Result<(), CliError> {
    let (exp_month, exp_year) = parse_expiry(&args.expiry)?;
    let number = read_card_number()?;
    let card = run
        .with_wallet(args.platform_url.clone(), async |ctx| {
            let request = CardLinkRequest {
                number: number.to_string(),
                exp_month,
                exp_year,
                nickname: args.nickname.clone(),
            };
            Ok(consentry_api::card_link(ctx, request).await?)
        })
        .await?;
    run.show(&card, |c| {
        format!("linked {} {} as {}\n", c.brand, c.masked, c.token)
    })
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// The card's token (see `card list`).
    pub token: String,
    /// The new nickname; none clears it.
    pub nickname: Option<String>,
}

/// `consentry card rename`.
pub async fn rename(run: &Run<'_>, args: RenameArgs) -> Result<(), CliError> {
    let card = run
        .with_wallet(None, async |ctx| {
            let request = CardRenameRequest {
                token: args.token,
                nickname: args.nickname,
            };
            Ok(consentry_api::card_rename(ctx, request).await?)
        })
        .await?;
    run.show(&card, |c| match &c.nickname {
        Some(name) => format!("{} is now {name:?}\n", c.masked),
        None => format!("{} has no nickname\n", c.masked),
    })
}

#[derive(Debug, Args)]
pub struct UnlinkArgs {
    /// The card's token (see `card list`).
    pub token: String,
}

/// `consentry card unlink`.
pub async fn unlink(run: &Run<'_>, args: UnlinkArgs) -> Result<(), CliError> {
    let unlinked = run
        .with_wallet(None, async |ctx| {
            let request = CardUnlinkRequest { token: args.token };
            Ok(consentry_api::card_unlink(ctx, request).await?)
        })
        .await?;
    run.show(&unlinked, |u| {
        format!("unlinked {} ({} permissions revoked)\n", u.token, u.revoked)
    })
}

/// `consentry apps`.
pub async fn apps(run: &Run<'_>) -> Result<(), CliError> {
    let apps = run
        .with_wallet(None, async |ctx| {
            Ok(consentry_api::apps_list(ctx, AppsListRequest {}).await?)
        })
        .await?;
    run.show(&apps, |list| {
        let mut text = String::from("app\tname\tasks for\tfee\n");
        for app in &list.apps {
            let scopes: Vec<String> = app
                .requested_scopes
                .iter()
                .map(super::wallet::serde_name)
                .collect();
            text.push_str(&format!(
                "{}\t{}\t{}\t{}\n",
                app.id,
                app.name,
                scopes.join(","),
                app.fee
            ));
        }
        text
    })
}

#[cfg(test)]
mod tests {
    use super::parse_expiry;

    #[test]
    fn expiry_reads_both_year_forms_and_refuses_the_rest() {
        assert_eq!(parse_expiry("07/2030").unwrap(), (7, 2030));
        assert_eq!(parse_expiry("7/30").unwrap(), (7, 2030));
        for bad in ["", "0730", "07/300", "ab/2030", "07/20300"] {
            assert!(parse_expiry(bad).is_err(), "{bad}");
        }
    }
}
