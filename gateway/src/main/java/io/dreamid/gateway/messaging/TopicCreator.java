package io.dreamid.gateway.messaging;

import io.dreamid.gateway.config.GatewayConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
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

    void onStart(@Observes @Priority(1) StartupEvent event) {
        if (!config.createTopics()) {
            return;
        }
        Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        List<NewTopic> wanted = new ArrayList<>();
        wanted.add(topic(jobsTopic, config.topicPartitions(), Map.of()));
        wanted.add(topic(eventsTopic, config.topicPartitions(), Map.of()));
        wanted.add(topic(config.jobStateTopic(), config.topicPartitions(), compacted));
        wanted.add(topic(cancellationsTopic, 1, compacted));
        Map<String, Object> adminConfig = new HashMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key)) {
                adminConfig.put(key, value);
            }
        });
        try (Admin admin = Admin.create(adminConfig)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            for (NewTopic topic : wanted) {
                if (existing.contains(topic.name())) {
                    continue;
                }
                try {
                    admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                    LOG.infof("created topic %s (%d partitions)", topic.name(), topic.numPartitions());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
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

    private NewTopic topic(String name, int partitions, Map<String, String> topicConfig) {
        return new NewTopic(name, partitions, config.topicReplicationFactor()).configs(topicConfig);
    }
}
