//! The one way a handler writes: an idempotent JSON POST or PATCH (docs/api.md §2).
//! [`Write`] is the handler's parameter; the body is read once (the limit of
//! [`read_body`]) and parsed once into the handler's request type; the use case
//! then runs under the `Idempotency-Key` ([`idempotency::run`]) and its result is
//! answered as JSON.
//!
//! The checks keep one order, which the answers depend on: the API key (before the
//! handler runs, as [`Caller`]), the body's size, the `Idempotency-Key`'s syntax and
//! state, then the body's content type and JSON. A body error is answered after the
//! `Idempotency-Key` is taken, so it is stored under it like any other 4xx.

use super::auth::Caller;
use super::body::{parse_json, read_body};
use super::error::ApiError;
use super::idempotency;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev, web};
use passmint_domain::idempotency::{IdemFinish, Renderer};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// An authenticated write whose body is not read yet: the parameter of every POST
/// and PATCH handler of `/v1`.
pub struct Write {
    caller: Caller,
    payload: web::Payload,
}

impl FromRequest for Write {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let req = req.clone();
        let payload = web::Payload::from_request(&req, payload);
        Box::pin(async move {
            let caller = Caller::of(req).await?;
            let payload = payload.await.map_err(|_| ApiError::internal())?;
            Ok(Write { caller, payload })
        })
    }
}

impl Write {
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// Reads the body (413 beyond the limit) and parses it; a parse error waits for
    /// [`JsonWrite::run`].
    pub async fn read<In: DeserializeOwned>(self) -> Result<JsonWrite<In>, ApiError> {
        let caller = self.caller;
        let body = read_body(&caller.req, self.payload, caller.state.max_body_bytes).await?;
        let input = parse_json(&caller.req, &body);
        Ok(JsonWrite {
            caller,
            body,
            input,
        })
    }

    /// Reads, parses and runs the write: [`Write::read`], then [`JsonWrite::run`].
    pub async fn json<In: DeserializeOwned, Out, E: Into<ApiError>>(
        self,
        render: Renderer<Out>,
        op: impl AsyncFnOnce(&Caller, In, Option<IdemFinish<Out>>) -> Result<Out, E>,
    ) -> Result<HttpResponse, ApiError> {
        self.read().await?.run(render, op).await
    }
}

/// A write whose body is read and parsed, not yet run.
pub struct JsonWrite<In> {
    caller: Caller,
    body: web::Bytes,
    input: Result<In, ApiError>,
}

impl<In> JsonWrite<In> {
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The raw body, as the `Idempotency-Key` fingerprint reads it.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The parsed body, when it is a valid request.
    pub fn input(&self) -> Option<&In> {
        self.input.as_ref().ok()
    }

    /// Runs `op` on the parsed body under the request's `Idempotency-Key`; `render`
    /// turns its result into the answer that is sent and stored. `op` may answer a
    /// domain error as it is.
    pub async fn run<Out, E: Into<ApiError>>(
        self,
        render: Renderer<Out>,
        op: impl AsyncFnOnce(&Caller, In, Option<IdemFinish<Out>>) -> Result<Out, E>,
    ) -> Result<HttpResponse, ApiError> {
        let JsonWrite {
            caller,
            body,
            input,
        } = self;
        let c = &caller;
        idempotency::run(
            &c.req,
            &c.state,
            &c.who,
            &body,
            render,
            |finish| async move { op(c, input?, finish).await.map_err(Into::into) },
        )
        .await
    }
}
