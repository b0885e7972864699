//! OTLP/gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export`
//! with tonic, on `--otlp-grpc-addr`. The same rules as OTLP/HTTP, mapped to
//! gRPC status codes (OTLP "OTLP/gRPC Response", "Failures", "Throttling"):
//! UNAUTHENTICATED without a valid token, INVALID_ARGUMENT for a request too
//! large or malformed (tonic refuses undecodable protobuf itself), and
//! UNAVAILABLE or RESOURCE_EXHAUSTED with a `google.rpc.RetryInfo` under
//! back-pressure.

use std::future::Future;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use prost::Message;
use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;
use tonic::{Code, Request, Response, Status};

use crate::otlp::{
    ExportTraceServiceRequest, ExportTraceServiceResponse, Failure, MAX_BODY_BYTES, bearer,
    receiver::Receiver, reply,
};

/// The tonic service.
pub struct Export {
    receiver: Receiver,
}

/// A tonic [`Status`] for a failure, with the encoded `google.rpc.Status`
/// (and its `RetryInfo`) as details.
pub fn status(failure: &Failure) -> Status {
    let rpc = reply::rpc_status(failure);
    let code = Code::from_i32(rpc.code);
    Status::with_details(code, rpc.message.clone(), rpc.encode_to_vec().into())
}

#[tonic::async_trait]
impl TraceService for Export {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let token = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(bearer)
            .map(str::to_string);
        let user = self
            .receiver
            .authenticate(token.as_deref())
            .await
            .map_err(|f| status(&f))?;
        self.receiver
            .export(user, request.into_inner())
            .await
            .map(Response::new)
            .map_err(|f| status(&f))
    }
}

/// The service, accepting gzip and messages up to [`MAX_BODY_BYTES`]
/// (decompressed).
pub fn service(receiver: Receiver) -> TraceServiceServer<Export> {
    TraceServiceServer::new(Export { receiver })
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(MAX_BODY_BYTES)
}

/// Serves OTLP/gRPC on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    receiver: Receiver,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    tonic::transport::Server::builder()
        .add_service(service(receiver))
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listener),
            shutdown,
        )
        .await?;
    Ok(())
}
