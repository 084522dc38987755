import Foundation
import Yams

/// The REST API's OpenAPI 3.1 contract (`openapi/navarch.yaml`, embedded by
/// `scripts/generate-openapi.sh`), served as JSON at `/openapi.json`.
enum OpenAPIDocument {
    /// The document as JSON, converted once.
    static let json: Data = {
        do {
            let document = try Yams.load(yaml: yaml)
            return try JSONSerialization.data(withJSONObject: document as Any, options: [.sortedKeys, .withoutEscapingSlashes])
        } catch {
            preconditionFailure("the embedded openapi/navarch.yaml does not parse: \(error)")
        }
    }()
}
