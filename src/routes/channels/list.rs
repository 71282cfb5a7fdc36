//! `GET /admin/channels`.

use actix_web::{web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;

use crate::db::Db;
use crate::domain::{AccessLevel, BackofficeRole};
use crate::error::AppError;
use crate::models::channel::{self, Channel};
use crate::web::PageCtx;

#[derive(Template, WebTemplate)]
#[template(path = "channels/page.html")]
pub struct ChannelsPage {
    pub ctx: PageCtx,
    pub channels: Vec<Channel>,
    pub can_edit: bool,
    /// The name typed into "Add channel", and what was wrong with it.
    pub new_name: String,
    pub error: Option<String>,
    /// A rename that failed: which channel, what was typed, and why.
    pub rename: Option<(i64, String, String)>,
    /// A refused delete: which channel and why (keys are tied to it).
    pub delete_error: Option<(i64, String)>,
}

impl ChannelsPage {
    pub fn rename_error(&self, id: &i64) -> Option<&str> {
        self.rename
            .as_ref()
            .filter(|(i, _, _)| i == id)
            .map(|(_, _, e)| e.as_str())
    }

    pub fn delete_error(&self, id: &i64) -> Option<&str> {
        self.delete_error
            .as_ref()
            .filter(|(i, _)| i == id)
            .map(|(_, e)| e.as_str())
    }

    pub fn rename_value<'a>(&'a self, c: &'a Channel) -> &'a str {
        match &self.rename {
            Some((i, v, _)) if *i == c.id => v,
            _ => &c.name,
        }
    }

    pub async fn load(req: &HttpRequest, db: &Db) -> Result<Self, AppError> {
        let ctx = PageCtx::from_request(req);
        let channels = db.run(|c| Ok(channel::all(c)?)).await?;
        Ok(Self {
            can_edit: ctx.can(BackofficeRole::ApiKey, AccessLevel::Owner),
            ctx,
            channels,
            new_name: String::new(),
            error: None,
            rename: None,
            delete_error: None,
        })
    }
}

pub async fn show(req: HttpRequest, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let page = ChannelsPage::load(&req, &db).await?;
    Ok(page.respond_to(&req).map_into_boxed_body())
}
