//! The deadline of a request's body (docs/api.md §10): a client that sent its
//! headers must send the whole body within `PASSMINT_BODY_TIMEOUT`. Past it the
//! body reads as an error that [`read_body`](super::body::read_body) answers with
//! `408`, and the connection is closed, whatever the body's framing (the headers'
//! own deadline is actix's `client_request_timeout`, set in `compose.rs`).

use super::error::{ApiError, ErrorType};
use actix_web::HttpMessage;
use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use futures::Stream;
use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The 408 of a body that did not arrive in time.
pub fn body_timeout(timeout: Duration) -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        ErrorType::InvalidRequestError,
        format!(
            "The request body did not arrive within {} ms",
            timeout.as_millis()
        ),
    )
}

/// What [`read_body`](super::body::read_body) answers for a body it failed to read:
/// 408 when its deadline passed, else 400.
pub fn read_error(e: PayloadError) -> ApiError {
    if let PayloadError::Io(io) = &e
        && io.kind() == std::io::ErrorKind::TimedOut
        && let Some(late) = io.get_ref().and_then(|i| i.downcast_ref::<Late>())
    {
        return body_timeout(late.0);
    }
    ApiError::invalid(format!("Could not read the request body: {e}"))
}

/// The error a body past its deadline reads as.
#[derive(Debug)]
struct Late(Duration);

impl std::fmt::Display for Late {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "body deadline of {} ms passed", self.0.as_millis())
    }
}

impl std::error::Error for Late {}

/// The answer to a request whose body came too late, holding the connection's own
/// body until the answer is sent: actix closes a connection whose body is unread
/// and still held when it has answered, where it would wait to drain a chunked body
/// that was dropped.
struct HoldingBody {
    body: BoxBody,
    _held: Rc<RefCell<Payload>>,
}

impl MessageBody for HoldingBody {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

/// The body of a request as its handler reads it: the connection's body until the
/// deadline, then one error.
struct Deadlined {
    inner: Rc<RefCell<Payload>>,
    timeout: Duration,
    deadline: Instant,
    sleep: Option<Pin<Box<Sleep>>>,
    late: Rc<RefCell<bool>>,
    done: bool,
}

impl Stream for Deadlined {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut *self.inner.borrow_mut()).poll_next(cx);
        match polled {
            Poll::Ready(None) => {
                self.done = true;
                return Poll::Ready(None);
            }
            Poll::Ready(Some(item)) => return Poll::Ready(Some(item)),
            Poll::Pending => {}
        }
        let deadline = self.deadline;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.done = true;
        *self.late.borrow_mut() = true;
        let late = Late(self.timeout);
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            late,
        )))))
    }
}

/// Middleware: gives the request's body a deadline of `timeout` from now (none
/// when `timeout` is zero).
pub async fn middleware(
    timeout: Duration,
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if timeout.is_zero() {
        return Ok(next.call(req).await?.map_body(|_, b| EitherBody::left(b)));
    }
    let inner = Rc::new(RefCell::new(req.take_payload()));
    let late = Rc::new(RefCell::new(false));
    let body = Deadlined {
        inner: Rc::clone(&inner),
        timeout,
        deadline: Instant::now() + timeout,
        sleep: None,
        late: Rc::clone(&late),
        done: false,
    };
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(body);
    req.set_payload(Payload::from(boxed));
    let res = next.call(req).await?;
    if *late.borrow() {
        return Ok(res.map_body(|_, body| {
            EitherBody::right(HoldingBody {
                body: body.boxed(),
                _held: inner,
            })
        }));
    }
    Ok(res.map_body(|_, b| EitherBody::left(b)))
}
