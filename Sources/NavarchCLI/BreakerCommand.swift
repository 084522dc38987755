import ArgumentParser
import Foundation
import NavarchClient

/// `navarch breaker status|reset`: the circuit breakers that stop automatic terminations, and
/// the provisioning breakers that stop a pool buying machines that never register.
struct BreakerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breaker", abstract: "Show or reset the circuit breakers.", subcommands: [Status.self, Reset.self],
        defaultSubcommand: Status.self)

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show every circuit breaker.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.withClient { client in
                let breakers = try await client.serverInfo().breakers
                print(global.output.isStructured ? try Output.render(global.output, breakers) : BreakerCommand.rows(breakers))
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset",
            abstract: "Close open circuit breakers: automatic terminations (and the replacements they held) go ahead again.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "'fleet', a pool name (its termination and provisioning breakers), or nothing for every open breaker.")
        var scope = ""

        func run() async throws {
            try await global.withClient { client in
                let closed = try await client.resetBreaker(scope: scope)
                if global.output.isStructured {
                    print(try Output.render(global.output, closed))
                } else if closed.isEmpty {
                    print(scope.isEmpty ? "no circuit breaker is open" : "the circuit breaker of \(scope) is not open")
                } else {
                    for breaker in closed { print("circuit breaker of \(breaker.scope) reset (it opened: \(breaker.reason))") }
                }
            }
        }
    }

    static func rows(_ breakers: [BreakerStatus], now: Date = Date()) -> String {
        Output.table(
            ["BREAKER", "STATE", "SINCE", "REASON"],
            breakers.map { [$0.scope, $0.open ? "OPEN" : "closed", $0.open ? Output.age($0.since, now: now) : "-", $0.open ? $0.reason : "-"] })
    }
}
