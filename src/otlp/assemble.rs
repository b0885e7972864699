//! Stored spans back into one trace for the viewer: the rows are regrouped
//! into one `ExportTraceServiceRequest` (by resource, then scope, in arrival
//! order), written as OTLP JSON and read by the same importer as uploads.

use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

use crate::otlp::ExportTraceServiceRequest;
use crate::sim::formats::import::{Format, Imported, MAX_IMPORT_SPANS, read_text};
use crate::store::traces::read::StoredSpan;

/// Rebuilds the request that holds `rows` (stored bodies that no longer
/// decode are skipped).
pub fn to_request(rows: &[StoredSpan]) -> ExportTraceServiceRequest {
    let mut out: Vec<(i64, ResourceSpans, Vec<i64>)> = Vec::new();
    for row in rows {
        let Ok(span) = Span::decode(&row.body[..]) else {
            continue;
        };
        let at = match out.iter().position(|(id, _, _)| *id == row.resource_id) {
            Some(i) => i,
            None => {
                let Ok(resource) = ResourceSpans::decode(&row.resource[..]) else {
                    continue;
                };
                out.push((row.resource_id, resource, Vec::new()));
                out.len() - 1
            }
        };
        let Some((_, resource, scope_ids)) = out.get_mut(at) else {
            continue;
        };
        let si = match scope_ids.iter().position(|id| *id == row.scope_id) {
            Some(i) => i,
            None => {
                let Ok(scope) = ScopeSpans::decode(&row.scope[..]) else {
                    continue;
                };
                scope_ids.push(row.scope_id);
                resource.scope_spans.push(scope);
                resource.scope_spans.len() - 1
            }
        };
        if let Some(scope) = resource.scope_spans.get_mut(si) {
            scope.spans.push(span);
        }
    }
    ExportTraceServiceRequest {
        resource_spans: out.into_iter().map(|(_, r, _)| r).collect(),
    }
}

/// The viewer's model of `rows`: see [`to_request`]. Errors only when the
/// importer refuses the rebuilt request (which valid stored spans never cause).
pub fn to_imported(rows: &[StoredSpan]) -> anyhow::Result<Imported> {
    let json = serde_json::to_string(&to_request(rows))?;
    Ok(read_text(&json, Format::Otlp, MAX_IMPORT_SPANS)?)
}
