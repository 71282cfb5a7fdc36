//! State shared by every handler, built once at startup.

/// Shared, read-only server state handed to handlers as `web::Data<AppState>`.
pub struct AppState {
    /// HMAC key for API key hashes.
    pub key_pepper: Vec<u8>,
    pub clock: crate::clock::Clock,
    /// The API methods keys can be limited to.
    pub catalogue: std::sync::Arc<crate::catalogue::Catalogue>,
}
