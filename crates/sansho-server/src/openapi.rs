//! The OpenAPI document of `/api/v1`, made from the route table (so it cannot drift from the
//! router) with the request and response schemas derived from the API's own types.

use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref,
    RefOr, Required, Schema, ServerBuilder,
};

use crate::api;
use crate::error::{ModelProblem, Problem, ProblemDetail};
use crate::routes::{self, Who};
use crate::service::publish::{Bundle, Published, SharedWith};

/// The document, with `public_url` as the server.
pub fn document(public_url: &str) -> OpenApi {
    let components = ComponentsBuilder::new()
        .schema_from::<Bundle>()
        .schema_from::<Published>()
        .schema_from::<SharedWith>()
        .schema_from::<ModelProblem>()
        .schema_from::<Problem>()
        .schema_from::<ProblemDetail>()
        .schema_from::<api::Me>()
        .schema_from::<api::OrgDto>()
        .schema_from::<api::VersionDto>()
        .schema_from::<api::SystemDto>()
        .schema_from::<api::EngagementDto>()
        .schema_from::<api::NewEngagement>()
        .schema_from::<api::Created>()
        .schema_from::<api::ShareDto>()
        .schema_from::<api::AgreementDto>()
        .schema_from::<api::EngagementDetail>()
        .schema_from::<api::ShareRequest>()
        .schema_from::<api::ShareResult>()
        .schema_from::<api::ItemDto>()
        .schema_from::<api::ReviewDto>()
        .schema_from::<api::VerdictRequest>()
        .schema_from::<api::MessageRequest>()
        .schema_from::<api::MessageDto>()
        .schema_from::<api::AttachmentUpload>()
        .schema_from::<api::MinutesRequest>()
        .schema_from::<api::SignRequest>()
        .schema_from::<crate::service::review::EngagementStatus>()
        .security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        )
        .build();

    let mut paths = PathsBuilder::new();
    for (route, _) in routes::table() {
        if !route.is_api() {
            continue;
        }
        let mut operation = OperationBuilder::new()
            .summary(Some(route.summary))
            .operation_id(Some(format!("{} {}", route.method, route.path)));
        for segment in route.path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                operation = operation.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .min_length(Some(1)),
                        )),
                );
            }
        }
        if let Some(body) = route.body {
            operation = operation.request_body(Some(
                RequestBodyBuilder::new()
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name(body)))
                            .build(),
                    )
                    .required(Some(Required::True))
                    .build(),
            ));
        }
        let mut responses = ResponsesBuilder::new();
        for status in route.success {
            let success = match (status, route.reply) {
                (204, _) | (_, None) => ResponseBuilder::new().description("OK"),
                (_, Some(reply)) => ResponseBuilder::new().description("OK").content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(reply_schema(reply)))
                        .build(),
                ),
            };
            responses = responses.response(status.to_string(), success.build());
        }
        for (code, what) in [
            ("400", "Bad request (Japanese and English message)"),
            ("401", "No or invalid token"),
            ("403", "The role or token scope does not allow it"),
            ("404", "Not found (or another tenant's)"),
            ("408", "The request took longer than the server's limit"),
            ("409", "Not allowed in the current state"),
            ("413", "The body is larger than the server's limit"),
            ("422", "The model has errors (file:line:col)"),
            ("429", "Too many requests from this address"),
        ] {
            responses = responses.response(
                code,
                ResponseBuilder::new().description(what).content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                ),
            );
        }
        operation = operation.responses(responses.build());
        if matches!(route.who, Who::Roles(_)) {
            operation = operation.security(SecurityRequirement::new("token", Vec::<String>::new()));
        }
        let method = match route.method.as_str() {
            "POST" => HttpMethod::Post,
            _ => HttpMethod::Get,
        };
        paths = paths.path(route.path, PathItem::new(method, operation.build()));
    }

    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("sansho server API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("Publish assessed versions of a system, review them as the institution, agree, and export the record. Every response error carries Japanese and English messages."))
                .build(),
        )
        .servers(Some(vec![ServerBuilder::new().url(public_url).build()]))
        .paths(paths.build())
        .components(Some(components))
        .build()
}

/// The schema of a success reply named in the route table: `Name` or `Name[]` (a list).
fn reply_schema(reply: &str) -> RefOr<Schema> {
    match reply.strip_suffix("[]") {
        Some(item) => ArrayBuilder::new()
            .items(Ref::from_schema_name(item))
            .build()
            .into(),
        None => Ref::from_schema_name(reply).into(),
    }
}
