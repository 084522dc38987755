import Foundation
import Hummingbird
import NIOCore
import SwiftProtobuf

/// The REST API's bodies are the gRPC API's messages in protobuf's JSON mapping, with the
/// `.proto` field names (`node_id`), 64-bit integers as numbers and enums by name
/// (`NODE_STATE_ACTIVE`), fields at their defaults left out: one schema for both ways in.
enum ProtoJSON {
    static let encoding: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        options.alwaysPrintInt64sAsNumbers = true
        options.useDeterministicOrdering = true
        return options
    }()

    static func response(_ message: some SwiftProtobuf.Message, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try message.jsonUTF8Data(options: encoding)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `{"NAME": [messages]}`, for a list the gRPC API answers inside another message.
    static func response(list messages: [some SwiftProtobuf.Message], named name: String) throws -> Response {
        var body = ByteBuffer(string: "{\"\(name)\":[")
        for (index, message) in messages.enumerated() {
            if index > 0 { body.writeString(",") }
            body.writeBytes(try message.jsonUTF8Data(options: encoding))
        }
        body.writeString("]}")
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }

    /// A JSON document of plain Codable values (the catalog, an XID's explanation).
    static func response(encoding value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// The request's body as the message `Message`: an empty body is the message's defaults;
    /// bad JSON, a wrong type or an unknown field is a 400 naming it.
    static func body<Message: SwiftProtobuf.Message>(_ request: Request, context: some RequestContext, as type: Message.Type) async throws -> Message {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        guard buffer.readableBytes > 0 else { return Message() }
        do {
            return try Message(jsonUTF8Data: Data(buffer.readableBytesView))
        } catch let error as JSONDecodingError {
            throw APIError.badRequest("the body is not a valid \(Message.protoMessageName.split(separator: ".").last ?? ""): \(describe(error))")
        } catch {
            throw APIError.badRequest("the body is not valid JSON: \(error)")
        }
    }

    static func describe(_ error: JSONDecodingError) -> String {
        switch error {
        case .unknownField(let name): "unknown field '\(name)'"
        case .malformedNumber, .numberRange: "a number field has a value that is not a number of its kind"
        case .malformedBool: "a boolean field has a value that is not true or false"
        case .malformedString: "a string field has a value that is not a string"
        case .unrecognizedEnumValue: "an enum field has a value that is not one of its names"
        case .truncated: "the JSON ends too early"
        default: "\(error)"
        }
    }
}
