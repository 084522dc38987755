import NavarchCLI
import NavarchControlPlane

@main
struct ControlPlaneMain {
    static func main() async {
        EventLoopExecutor.install()
        await CommandEntry.main(ServeCommand.self)
    }
}
