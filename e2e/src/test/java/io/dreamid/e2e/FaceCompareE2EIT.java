package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/faces:compare} through the gateway, which asks the real face-service (the variants and the two
 * people are tested in the face-service's {@code FaceComparerTest}; here: the route, the answer and the errors).
 */
class FaceCompareE2EIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static GatewayApi api;
    private static byte[] hopper;

    @BeforeAll
    static void start() throws IOException {
        Platform platform = Platform.shared();
        api = new GatewayApi(platform.gateway(), Platform.API_KEY);
        try (InputStream in = FaceCompareE2EIT.class.getResourceAsStream("/faces/grace_hopper.jpg")) {
            hopper = in.readAllBytes();
        }
    }

    @Test
    void aPhotoAndItsMirrorImageAreTheSamePerson() throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(hopper));
        AffineTransform flip = new AffineTransform(-1, 0, 0, 1, image.getWidth(), 0);
        BufferedImage mirrored = new AffineTransformOp(flip, AffineTransformOp.TYPE_NEAREST_NEIGHBOR)
                .filter(image, null);
        HttpResponse<String> r = api.compare(hopper, png(mirrored));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("samePerson").asBoolean()).isTrue();
        assertThat(body.get("threshold").asDouble()).isEqualTo(0.6);
        assertThat(body.get("distance").asDouble()).isBetween(0.0, 0.6);
        assertThat(body.get("similarity").asDouble()).isBetween(0.5, 1.0);
    }

    @Test
    void errorsComeWithTheirCodes() throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(hopper));
        // The bottom-right corner of the portrait: uniform, no face.
        byte[] noFace = png(image.getSubimage(412, 500, 100, 100));
        HttpResponse<String> r = api.compare(hopper, noFace);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
        assertThat(JSON.readTree(r.body()).get("code").asText()).isEqualTo("NO_FACE");
        assertThat(JSON.readTree(r.body()).get("message").asText()).startsWith("b: ");

        r = api.compare("not an image".getBytes(), hopper);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("code").asText()).isEqualTo("BAD_IMAGE");

        r = api.compare(hopper, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("message").asText()).contains("'b' is missing");
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
