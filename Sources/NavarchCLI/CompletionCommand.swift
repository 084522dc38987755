import ArgumentParser

/// `navarch completion bash|zsh|fish`: the shell completion script, on standard output.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print a shell completion script.",
        discussion: """
            bash: navarch completion bash > /etc/bash_completion.d/navarch
            zsh:  navarch completion zsh > "${fpath[1]}/_navarch"
            fish: navarch completion fish > ~/.config/fish/completions/navarch.fish
            """)

    enum Shell: String, ExpressibleByArgument, CaseIterable { case bash, zsh, fish }

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: Shell

    func run() throws {
        let target: CompletionShell = switch shell {
        case .bash: .bash
        case .zsh: .zsh
        case .fish: .fish
        }
        print(NavarchCommand.completionScript(for: target))
    }
}
