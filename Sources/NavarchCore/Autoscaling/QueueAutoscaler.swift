/// Scales on work: enough nodes for the jobs waiting and running, `jobsPerNode` to a node.
public struct QueueAutoscaler: Autoscaler, Codable, Equatable {
    public var jobsPerNode: Int

    public init(jobsPerNode: Int = 1) {
        self.jobsPerNode = max(jobsPerNode, 1)
    }

    public func recommend(_ metrics: AutoscalerMetrics) -> ScaleRecommendation? {
        let jobs = metrics.queueDepth + metrics.runningJobs
        let wanted = (jobs + jobsPerNode - 1) / jobsPerNode
        return ScaleRecommendation(
            desiredNodes: wanted,
            reason: "\(metrics.queueDepth) job(s) waiting and \(metrics.runningJobs) running need \(wanted) node(s) at \(jobsPerNode) per node")
    }
}
