package io.dreamid.gateway.messaging;

import io.dreamid.common.TopicSetup;
import io.dreamid.common.Topics;
import io.dreamid.gateway.config.GatewayConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Creates the topics the gateway reads and writes when they are missing, so that the gateway works on a fresh
 * broker. Runs before Kafka Streams starts (which waits for its source topics).
 */
@ApplicationScoped
public class TopicCreator {
    private static final Logger LOG = Logger.getLogger(TopicCreator.class);

    @Inject
    GatewayConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @ConfigProperty(name = "mp.messaging.outgoing.jobs.topic")
    String jobsTopic;

    @ConfigProperty(name = "mp.messaging.outgoing.job-events.topic")
    String eventsTopic;

    @ConfigProperty(name = "mp.messaging.outgoing.cancellations.topic")
    String cancellationsTopic;

    @ConfigProperty(name = "mp.messaging.outgoing.datasets.topic")
    String datasetsTopic;

    void onStart(@Observes @Priority(1) StartupEvent event) {
        if (!config.createTopics()) {
            return;
        }
        // The platform's layout (common's Topics) for the topics the gateway uses, under their configured names.
        Map<String, String> used = Map.of(Topics.JOBS, jobsTopic, Topics.JOB_EVENTS, eventsTopic,
                Topics.CANCELLATIONS, cancellationsTopic, Topics.DATASETS, datasetsTopic);
        List<Topics.Spec> wanted = new ArrayList<>();
        for (Topics.Spec topic : Topics.platform(config.topicPartitions())) {
            if (used.containsKey(topic.name())) {
                wanted.add(topic.named(used.get(topic.name())));
            }
        }
        wanted.add(new Topics.Spec(config.jobStateTopic(), config.topicPartitions(), true));
        Map<String, Object> adminConfig = new HashMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key)) {
                adminConfig.put(key, value);
            }
        });
        try (Admin admin = Admin.create(adminConfig)) {
            for (Topics.Spec created : TopicSetup.createMissing(admin, wanted, config.topicReplicationFactor())) {
                LOG.infof("created topic %s", TopicSetup.describe(created));
            }
            checkCoPartitioned(admin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // The broker may come up later; Kafka Streams waits for its topics and readiness stays down until then.
            LOG.errorf("cannot create the DreamID topics at %s: %s", adminConfig.get("bootstrap.servers"),
                    e.getMessage());
        }
    }

    /**
     * The fold meets a job's message and its events in one task only if both topics have the same partition
     * count; otherwise a job would be folded twice, in two tasks that know half of its history each.
     */
    private void checkCoPartitioned(Admin admin) throws Exception {
        Map<String, TopicDescription> topics = admin.describeTopics(List.of(jobsTopic, eventsTopic))
                .allTopicNames().get(30, TimeUnit.SECONDS);
        int jobs = topics.get(jobsTopic).partitions().size();
        int events = topics.get(eventsTopic).partitions().size();
        if (jobs != events) {
            LOG.errorf("%s has %d partitions and %s has %d: job state will be wrong for some jobs; give both topics"
                    + " the same partition count", jobsTopic, jobs, eventsTopic, events);
        }
    }
}
