//! A typed view of the session: who is signed in and the CSRF token.

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::{ready, Ready};

use crate::crypto::random_token;
use crate::error::AppError;

pub(crate) const USER_ID: &str = "uid";
const CSRF: &str = "csrf";

pub struct UserSession(Session);

impl UserSession {
    pub fn from_request(req: &HttpRequest) -> Self {
        Self(req.get_session())
    }

    pub fn user_id(&self) -> Option<i64> {
        self.0.get::<i64>(USER_ID).ok().flatten()
    }

    /// Signs `user_id` in under a new session id (no fixation), with a new
    /// CSRF token.
    pub fn sign_in(&self, user_id: i64) -> Result<(), AppError> {
        self.0.renew();
        self.0
            .insert(USER_ID, user_id)
            .and_then(|_| self.0.insert(CSRF, random_token(32)))
            .map_err(|e| AppError::internal(format!("session insert: {e}")))
    }

    /// Ends the session here and in the store, so a copied cookie dies too.
    pub fn sign_out(&self) {
        self.0.purge();
    }

    pub fn existing_csrf_token(&self) -> Option<String> {
        self.0.get::<String>(CSRF).ok().flatten()
    }
}

impl FromRequest for UserSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::from_request(req)))
    }
}
