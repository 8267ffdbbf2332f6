package io.dreamid.gateway.state;

import io.dreamid.gateway.config.GatewayConfig;
import io.dreamid.gateway.messaging.JobPublisher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Hands the job state topology to the Quarkus Kafka Streams extension, which runs and health-checks it. */
@ApplicationScoped
public class TopologyProducer {

    // Singleton, not a normal scope: Kafka Streams reads the Topology's fields, which a client proxy would hide.
    @Produces
    @Singleton
    Topology jobStateTopology(GatewayConfig config, JobUpdates updates,
            @ConfigProperty(name = "mp.messaging.outgoing." + JobPublisher.JOBS + ".topic") String jobsTopic,
            @ConfigProperty(name = "mp.messaging.outgoing." + JobPublisher.JOB_EVENTS + ".topic") String eventsTopic) {
        return new JobStateTopology(jobsTopic, eventsTopic, config.jobStateTopic(),
                new JobStateTopology.Retention(config.jobRetention(), config.retentionSweepInterval()), updates::changed,
                updates::changed).build();
    }
}
