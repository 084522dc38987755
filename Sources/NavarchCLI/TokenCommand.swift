import ArgumentParser
import Foundation
import NavarchClient
import NavarchCore

/// `navarch token create|list|revoke`: bearer tokens for people and tools, by role (admin).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke the bearer tokens people and tools call the control plane with.",
        subcommands: [Create.self, List.self, Revoke.self], defaultSubcommand: List.self)

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Create a token; its text is printed once (only its hash is kept).")

        @OptionGroup var global: GlobalOptions

        @Option(help: "Unique name, recorded as the actor of what the token does.")
        var name: String

        @Option(help: "viewer (read), operator (cordon, drain, diagnostics, breaker reset) or admin (pools, tokens).")
        var role: Role

        @Option(help: "Lifetime, such as 30d, 12h or 90m (default: never expires).")
        var expires: String?

        func validate() throws {
            if let expires, DurationParser.parse(expires) == nil {
                throw ValidationError("--expires: expected a duration such as 30d, 12h or 90m, got '\(expires)'")
            }
        }

        func run() async throws {
            let lifetime = expires.flatMap(DurationParser.parse)
            try await global.withClient { client in
                let (token, secret) = try await client.createToken(name: name, role: role, lifetime: lifetime)
                if global.output.isStructured {
                    print(try Output.render(global.output, TokenCommand.shown(token).merging(["token": secret]) { a, _ in a }))
                } else {
                    print(secret)
                    let until = token.expiresAt.map { "until \(Timestamp.iso8601($0))" } ?? "without expiry"
                    FileHandle.standardError.write(Data("token '\(token.name)' (\(token.role.rawValue)) created, good \(until); it is shown only now\n".utf8))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the tokens (never their secrets).")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.withClient { client in
                let tokens = try await client.tokens()
                if global.output.isStructured {
                    print(try Output.render(global.output, tokens.map(TokenCommand.shown)))
                } else {
                    let now = Date()
                    print(Output.table(
                        ["NAME", "ROLE", "CREATED", "EXPIRES", "CREATED BY"],
                        tokens.map { token in
                            [token.name, token.role.rawValue, Output.age(token.createdAt, now: now),
                             token.expiresAt.map { $0 <= now ? "expired" : Timestamp.iso8601($0) } ?? "never", token.createdBy]
                        }))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token: it is refused from the next call on.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The token's name.")
        var name: String

        func run() async throws {
            try await global.withClient { client in
                let token = try await client.revokeToken(name: name)
                print(global.output.isStructured ? try Output.render(global.output, TokenCommand.shown(token)) : "token '\(token.name)' revoked")
            }
        }
    }

    /// What the CLI shows of a token.
    static func shown(_ token: APIToken) -> [String: String] {
        ["name": token.name, "role": token.role.rawValue, "createdAt": Timestamp.iso8601(token.createdAt),
         "expiresAt": token.expiresAt.map(Timestamp.iso8601) ?? "", "createdBy": token.createdBy]
    }
}

extension Role: ExpressibleByArgument {}
