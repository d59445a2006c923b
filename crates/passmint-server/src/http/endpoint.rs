//! One path of the app and the methods it answers (docs/api.md §1): a method the
//! path does not have answers `405` with the error envelope and an `Allow` header
//! naming the methods it has; `OPTIONS` answers `204` with the same `Allow`.

use super::error::{ApiError, ErrorType};
use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::{Method, StatusCode, header};
use actix_web::{FromRequest, Handler, HttpRequest, HttpResponse, Resource, Responder, web};

/// A path being registered: its resource and the methods routed so far.
pub struct Endpoint {
    resource: Resource,
    methods: Vec<Method>,
}

/// Starts the endpoint of `path`.
pub fn endpoint(path: &str) -> Endpoint {
    Endpoint {
        resource: web::resource(path),
        methods: Vec::new(),
    }
}

macro_rules! methods {
    ($($name:ident => $method:ident),*) => {$(
        #[doc = concat!("Routes `", stringify!($method), "` to `handler`.")]
        pub fn $name<F, Args>(self, handler: F) -> Self
        where
            F: Handler<Args>,
            Args: FromRequest + 'static,
            F::Output: Responder + 'static,
        {
            self.on(Method::$method, handler)
        }
    )*};
}

impl Endpoint {
    methods!(get => GET, head => HEAD, post => POST, patch => PATCH, delete => DELETE);

    fn on<F, Args>(mut self, method: Method, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.resource = self.resource.route(web::method(method.clone()).to(handler));
        self.methods.push(method);
        self
    }

    /// The `Allow` value: the routed methods and `OPTIONS`, in a fixed order.
    fn allow(&self) -> String {
        const ORDER: [Method; 6] = [
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ];
        ORDER
            .iter()
            .filter(|m| **m == Method::OPTIONS || self.methods.contains(m))
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl HttpServiceFactory for Endpoint {
    fn register(self, config: &mut AppService) {
        let allow = self.allow();
        let options = allow.clone();
        self.resource
            .route(web::method(Method::OPTIONS).to(move || {
                let allow = options.clone();
                async move {
                    HttpResponse::NoContent()
                        .insert_header((header::ALLOW, allow))
                        .finish()
                }
            }))
            .default_service(web::to(move |req: HttpRequest| {
                let allow = allow.clone();
                async move { method_not_allowed(&req, &allow) }
            }))
            .register(config);
    }
}

/// `405` for a method the path does not have, with its `Allow`.
fn method_not_allowed(req: &HttpRequest, allow: &str) -> HttpResponse {
    use actix_web::ResponseError;
    let mut res = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorType::InvalidRequestError,
        format!("Method {} is not allowed on {}", req.method(), req.path()),
    )
    .error_response();
    if let Ok(value) = header::HeaderValue::from_str(allow) {
        res.headers_mut().insert(header::ALLOW, value);
    }
    res
}
