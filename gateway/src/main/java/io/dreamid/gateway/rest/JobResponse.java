package io.dreamid.gateway.rest;

import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.IdentityScore;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import io.dreamid.gateway.state.JobView;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A job as the API shows it.
 *
 * @param url      this job's URL (relative to the gateway)
 * @param progress 0..1 over the whole job
 * @param timings  milliseconds per step, keyed {@code <stage>.<step>}
 * @param error    why the job failed (FAILED only)
 * @param images   links to the generated images (SUCCEEDED only)
 * @param spec     what was asked, with the defaults and the seed the gateway filled in
 * @param photoRef the job's input photo (an object key a later job may name as its photoRef to run again)
 * @param photos   a job of several people's input photos by photo part (for a later job's {@code photos})
 * @param notices  things the user should know about the result, from the stages' events, e.g. that the images
 *                 come from the tiny test model and are noise by design
 */
public record JobResponse(
        String jobId,
        String url,
        JobStatus status,
        Stage stage,
        double progress,
        Map<String, Long> timings,
        ErrorInfo error,
        List<ImageLink> images,
        JobSpec spec,
        String identityId,
        String photoRef,
        Map<String, String> photos,
        Instant createdAt,
        Instant updatedAt,
        List<String> notices) {

    private static final Pattern OUTPUT_NAME = Pattern.compile("(\\d+)-(\\d+)\\.png$");

    /**
     * One generated image.
     *
     * @param index  the {@code n} of {@code /v1/jobs/{id}/images/{n}}
     * @param prompt which prompt it is for (from 0)
     * @param image  which image of that prompt (from 0)
     * @param identity how near its face is to the job's input face (the identity judge's scores; absent until the
     *               judge has scored the image, and for jobs without an input face)
     */
    public record ImageLink(int index, Integer prompt, Integer image, String url, IdentityScore identity) {
    }

    public static String jobUrl(String jobId) {
        return "/v1/jobs/" + jobId;
    }

    public static JobResponse of(JobView view) {
        List<ImageLink> images = new ArrayList<>();
        List<String> outputs = view.outputs();
        for (int n = 0; n < outputs.size(); n++) {
            Matcher m = OUTPUT_NAME.matcher(outputs.get(n));
            boolean named = m.find();
            images.add(new ImageLink(n, named ? Integer.valueOf(m.group(1)) : null,
                    named ? Integer.valueOf(m.group(2)) : null, jobUrl(view.jobId()) + "/images/" + n,
                    view.identityScores().get(outputs.get(n))));
        }
        return new JobResponse(view.jobId(), jobUrl(view.jobId()), view.status(), view.stage(), view.progress(),
                view.timings(), view.error(), images, view.spec(), view.identityId(), view.photoRef(), view.photos(), view.createdAt(),
                view.updatedAt(), view.notices());
    }
}
