import NavarchCLI
import NavarchControlPlane

@main
struct NavarchMain {
    static func main() async {
        EventLoopExecutor.install()
        await CommandEntry.main(NavarchCommand.self)
    }
}
