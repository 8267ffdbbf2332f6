package io.dreamid.common;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the topics of a {@link Topics.Spec} list that a broker lacks, with their partitions and cleanup policy;
 * existing topics are left as they are (a deployment may have given them more partitions). Used by the gateway at
 * start, by test-support's broker and by the local runner, so that all three create the same topics the same way.
 * Needs kafka-clients on the classpath, which every caller has.
 */
public final class TopicSetup {
    private static final long TIMEOUT_SECONDS = 30;

    private TopicSetup() {
    }

    /**
     * Creates the missing topics; returns those it created, in the order given. A topic another process creates
     * meanwhile counts as existing.
     *
     * @throws IllegalStateException when the broker cannot list or create the topics (the message says which)
     */
    public static List<Topics.Spec> createMissing(Admin admin, List<Topics.Spec> topics, short replicationFactor) {
        List<Topics.Spec> created = new ArrayList<>();
        try {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            for (Topics.Spec topic : topics) {
                if (existing.contains(topic.name())) {
                    continue;
                }
                NewTopic request = new NewTopic(topic.name(), topic.partitions(), replicationFactor);
                if (topic.compacted()) {
                    request.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                }
                try {
                    admin.createTopics(List.of(request)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    created.add(topic);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + topic.name() + ": "
                                + e.getCause().getMessage(), e);
                    }
                }
            }
            return created;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list the topics: " + e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the broker did not answer within " + TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /** How a created topic is reported, e.g. {@code dreamid.cancellations (1 partition, compacted)}. */
    public static String describe(Topics.Spec topic) {
        return topic.name() + " (" + topic.partitions() + (topic.partitions() == 1 ? " partition" : " partitions")
                + (topic.compacted() ? ", compacted" : "") + ")";
    }
}
