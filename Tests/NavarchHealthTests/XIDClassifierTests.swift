import NavarchCore
import NavarchHealth
import Testing

@Suite struct XIDClassifierTests {
    let classifier = XIDClassifier()

    @Test(arguments: [48, 64, 74, 79, 95, 119, 120])
    func hardwareFaultsAreUnhealthy(_ code: Int) {
        #expect(classifier.meaning(of: code).verdict == .unhealthy)
    }

    @Test(arguments: [13, 31, 43, 45])
    func applicationErrorsDoNotCondemnTheMachine(_ code: Int) {
        #expect(classifier.meaning(of: code).verdict == .healthy)
    }

    @Test func unknownCodeAsksForALook() {
        #expect(classifier.meaning(of: 9999).verdict == .degraded)
    }

    @Test func ignoredCodesAreHealthy() {
        #expect(XIDClassifier(ignored: [79]).meaning(of: 79).verdict == .healthy)
    }

    @Test func fatalSXidIsUnhealthy() {
        #expect(classifier.meaningOfSXID(XIDRecord(pciAddress: "0000:06:00", code: 20034, message: "Fatal, Link 48")).verdict == .unhealthy)
        #expect(classifier.meaningOfSXID(XIDRecord(pciAddress: "0000:06:00", code: 20034, message: "Severity 1 Engine")).verdict == .degraded)
    }
}
