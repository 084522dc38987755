import NavarchCLI

@main
struct ControlPlaneMain {
    static func main() async {
        await CommandEntry.main(ServeCommand.self)
    }
}
