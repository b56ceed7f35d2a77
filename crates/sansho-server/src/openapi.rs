//! The OpenAPI document of `/api/v1`, made from the route table (so it cannot drift from the
//! router) with the request and response schemas derived from the API's own types.

use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref,
    Required, ServerBuilder,
};

use crate::api;
use crate::error::ModelProblem;
use crate::routes::{self, Who};
use crate::service::publish::{Bundle, Published, SharedWith};

/// The document, with `public_url` as the server.
pub fn document(public_url: &str) -> OpenApi {
    let components = ComponentsBuilder::new()
        .schema_from::<Bundle>()
        .schema_from::<Published>()
        .schema_from::<SharedWith>()
        .schema_from::<ModelProblem>()
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
                        .required(Required::True),
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
        let success = match route.reply {
            Some(reply) => ResponseBuilder::new()
                .description("OK")
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(reply)))
                        .build(),
                )
                .build(),
            None => ResponseBuilder::new().description("OK").build(),
        };
        let mut responses = ResponsesBuilder::new().response("200", success);
        for (code, what) in [
            ("400", "Bad request (Japanese and English message)"),
            ("401", "No or invalid token"),
            ("403", "The role or token scope does not allow it"),
            ("404", "Not found (or another tenant's)"),
            ("409", "Not allowed in the current state"),
            ("422", "The model has errors (file:line:col)"),
        ] {
            responses = responses.response(code, ResponseBuilder::new().description(what).build());
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
