//! OTLP/gRPC `TraceService/Export` through a tonic client against a server
//! bound to 127.0.0.1:0.

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use tonic::Code;
use tonic::metadata::MetadataValue;

use crate::common::TestApp;
use crate::otlp::{request, span, token};

/// Starts the gRPC receiver of a fresh app (adjusted by `adjust`) and
/// returns the app, its address and a stopper.
async fn serve(
    adjust: impl FnOnce(&mut spandojo::Config),
) -> (TestApp, String, tokio::sync::oneshot::Sender<()>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = spandojo::Config::new(dir.path().join("data"));
    adjust(&mut config);
    let state = spandojo::web::build_state(config).unwrap();
    let receiver = state.otlp.clone();
    let app = TestApp {
        store: state.store.clone(),
        app: spandojo::web::router(state),
        dir,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(spandojo::otlp::grpc::serve(
        listener,
        receiver,
        async move {
            let _ = stopped.await;
        },
    ));
    (app, format!("http://{addr}"), stop)
}

fn with_token(
    req: opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest,
    token: &str,
) -> tonic::Request<opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest> {
    let mut r = tonic::Request::new(req);
    if let Ok(v) = MetadataValue::try_from(format!("Bearer {token}")) {
        r.metadata_mut().insert("authorization", v);
    }
    r
}

#[tokio::test]
async fn grpc_export_authenticates_stores_and_rejects_per_span() {
    let (app, url, stop) = serve(|_| {}).await;
    let t = token(&app, "alice").await;
    let mut client = TraceServiceClient::connect(url).await.unwrap();
    let err = client
        .export(tonic::Request::new(request(
            "api",
            vec![span(1, 1, 0, "a")],
        )))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let err = client
        .export(with_token(
            request("api", vec![span(1, 1, 0, "a")]),
            "unknown",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    assert_eq!(
        app.query_i64("SELECT count(*) FROM received_spans").await,
        0
    );
    // Children first, the root in a later request: one trace.
    let ok = client
        .export(with_token(request("db", vec![span(1, 2, 1, "query")]), &t))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ok.partial_success, None);
    let mut bad = span(1, 9, 1, "bad");
    bad.span_id = vec![0; 8];
    let ok = client
        .export(with_token(
            request("api", vec![span(1, 1, 0, "GET /"), bad]),
            &t,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ok.partial_success.map(|p| p.rejected_spans), Some(1));
    assert_eq!(
        app.query_i64("SELECT count(*) FROM received_spans").await,
        2
    );
    assert_eq!(
        app.query_i64("SELECT count(*) FROM received_traces").await,
        1
    );
    let _ = stop.send(());
}

#[tokio::test]
async fn grpc_back_pressure_is_unavailable_with_retry_info() {
    let (app, url, stop) = serve(|c| c.otlp.queue = 0).await;
    let t = token(&app, "alice").await;
    let mut client = TraceServiceClient::connect(url).await.unwrap();
    let err = client
        .export(with_token(request("api", vec![span(1, 1, 0, "a")]), &t))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);
    let details = String::from_utf8_lossy(err.details()).into_owned();
    assert!(details.contains("google.rpc.RetryInfo"), "{details}");
    let _ = stop.send(());
}
