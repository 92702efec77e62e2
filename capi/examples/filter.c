/*
 * Filters an image file with the bilateral filter, through the C ABI.
 *
 *     filter IN OUT [RADIUS SIGMA_SPACE SIGMA_RANGE]
 *
 * IN is a binary PGM or PPM (P5, P6; 8 or 16 bits per sample) or a little-endian PFM (Pf, PF),
 * filtered as uint8_t, uint16_t or float samples; OUT is written in the same format. Without
 * the three numbers the library's defaults apply. SIGMA_RANGE is in the samples' own units
 * (0-255, 0-65535, or as stored for PFM). From the repository root:
 *
 *     cargo build --release -p bilateral-capi
 *     cc capi/examples/filter.c -Icapi/include target/release/libbilateral_capi.a \
 *         -lpthread -ldl -lm -o filter
 *     ./filter in.ppm out.ppm 3 2 30
 *
 * The image is loaded with its rows padded to a multiple of 64 bytes, as image libraries often
 * keep them, and filtered into a tightly packed buffer: strides are in bytes and the two may
 * differ.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bilateral.h"

enum sample_type { U8, U16, F32 };

struct image {
    enum sample_type type;
    size_t width, height, channels;
    size_t stride; /* bytes from the start of one row to the next */
    unsigned long maxval; /* PGM/PPM only */
    unsigned char *data;
};

static void die(const char *what, const char *detail) {
    fprintf(stderr, "filter: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static size_t sample_size(enum sample_type type) {
    return type == U8 ? 1 : type == U16 ? 2 : 4;
}

/* Reads one header field into buf, skipping whitespace and '#' comments. The header ends with
 * a single whitespace character after its last field, which this consumes. */
static int read_field(FILE *f, char *buf, size_t size) {
    size_t n = 0;
    int c = fgetc(f);
    for (;;) {
        while (c != EOF && isspace(c)) c = fgetc(f);
        if (c != '#') break;
        while (c != EOF && c != '\n') c = fgetc(f);
    }
    while (c != EOF && !isspace(c) && n + 1 < size) {
        buf[n++] = (char)c;
        c = fgetc(f);
    }
    buf[n] = '\0';
    return n > 0 && c != EOF && isspace(c);
}

static size_t parse_size(const char *s) {
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || v == 0) die("bad image size", s);
    return v;
}

static struct image read_image(const char *path) {
    struct image img = {0};
    char magic[3], w[24], h[24], last[32];
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open", path);
    if (!read_field(f, magic, sizeof magic) || !read_field(f, w, sizeof w) ||
        !read_field(f, h, sizeof h) || !read_field(f, last, sizeof last))
        die("not a PGM, PPM or PFM file", path);
    img.width = parse_size(w);
    img.height = parse_size(h);
    if (!strcmp(magic, "P5") || !strcmp(magic, "P6")) {
        img.channels = magic[1] == '5' ? 1 : 3;
        img.maxval = strtoul(last, NULL, 10);
        if (img.maxval < 1 || img.maxval > 65535) die("bad maxval", last);
        img.type = img.maxval < 256 ? U8 : U16;
    } else if (!strcmp(magic, "Pf") || !strcmp(magic, "PF")) {
        img.channels = magic[1] == 'f' ? 1 : 3;
        /* The scale's sign gives the byte order: negative is little-endian. */
        if (strtod(last, NULL) >= 0) die("only little-endian PFM is supported", path);
        img.type = F32;
    } else {
        die("not a PGM, PPM or PFM file", path);
    }

    size_t size = sample_size(img.type);
    size_t samples = img.width * img.channels;
    if (img.width > (size_t)-1 / 64 / img.channels / size) die("image too wide", path);
    size_t row_bytes = samples * size;
    img.stride = (row_bytes + 63) / 64 * 64;
    if (img.height > (size_t)-1 / img.stride) die("image too large", path);
    img.data = malloc(img.stride * img.height);
    unsigned char *row = malloc(row_bytes);
    if (!img.data || !row) die("out of memory", NULL);

    /* PFM stores the bottom row first. The rows are filtered in file order: the filter treats
     * up and down alike. */
    for (size_t y = 0; y < img.height; y++) {
        if (fread(row, 1, row_bytes, f) != row_bytes) die("file ends early", path);
        unsigned char *out = img.data + y * img.stride;
        for (size_t i = 0; i < samples; i++) {
            const unsigned char *b = row + i * size;
            if (img.type == U8) {
                out[i] = b[0];
            } else if (img.type == U16) { /* big-endian in PGM and PPM */
                ((uint16_t *)out)[i] = (uint16_t)(b[0] << 8 | b[1]);
            } else {
                uint32_t bits = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                                (uint32_t)b[3] << 24;
                memcpy((float *)out + i, &bits, 4);
            }
        }
    }
    free(row);
    fclose(f);
    return img;
}

static void write_image(const char *path, const struct image *img) {
    size_t size = sample_size(img->type);
    size_t samples = img->width * img->channels;
    unsigned char *row = malloc(samples * size);
    FILE *f = fopen(path, "wb");
    if (!row) die("out of memory", NULL);
    if (!f) die("cannot create", path);
    if (img->type == F32)
        fprintf(f, "P%c\n%zu %zu\n-1.0\n", img->channels == 1 ? 'f' : 'F', img->width,
                img->height);
    else
        fprintf(f, "P%c\n%zu %zu\n%lu\n", img->channels == 1 ? '5' : '6', img->width,
                img->height, img->maxval);
    for (size_t y = 0; y < img->height; y++) {
        const unsigned char *in = img->data + y * img->stride;
        for (size_t i = 0; i < samples; i++) {
            unsigned char *b = row + i * size;
            if (img->type == U8) {
                b[0] = in[i];
            } else if (img->type == U16) {
                uint16_t v = ((const uint16_t *)in)[i];
                b[0] = (unsigned char)(v >> 8);
                b[1] = (unsigned char)v;
            } else {
                uint32_t bits;
                memcpy(&bits, (const float *)in + i, 4);
                for (int k = 0; k < 4; k++) b[k] = (unsigned char)(bits >> 8 * k);
            }
        }
        if (fwrite(row, 1, samples * size, f) != samples * size) die("cannot write", path);
    }
    if (fclose(f) != 0) die("cannot write", path);
    free(row);
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 6) {
        fprintf(stderr, "usage: %s IN OUT [RADIUS SIGMA_SPACE SIGMA_RANGE]\n", argv[0]);
        return 2;
    }
    struct image in = read_image(argv[1]);

    BilateralParams params = bilateral_params_default();
    if (argc == 6) {
        params.radius = (uint32_t)strtoul(argv[3], NULL, 10);
        params.sigma_space = strtod(argv[4], NULL);
        params.sigma_range = strtod(argv[5], NULL);
    }

    struct image out = in;
    out.stride = in.width * in.channels * sample_size(in.type);
    out.data = malloc(out.stride * out.height);
    if (!out.data) die("out of memory", NULL);

    BilateralStatus status;
    switch (in.type) {
    case U8:
        status = bilateral_filter_u8(in.data, in.stride, out.data, out.stride, in.width,
                                     in.height, in.channels, &params);
        break;
    case U16:
        status = bilateral_filter_u16((const uint16_t *)in.data, in.stride,
                                      (uint16_t *)out.data, out.stride, in.width, in.height,
                                      in.channels, &params);
        break;
    default:
        status = bilateral_filter_f32((const float *)in.data, in.stride, (float *)out.data,
                                      out.stride, in.width, in.height, in.channels, &params);
        break;
    }
    if (status != BILATERAL_STATUS_OK) {
        fprintf(stderr, "filter: status %d: %s\n", (int)status, bilateral_status_message(status));
        return 1;
    }
    write_image(argv[2], &out);
    fprintf(stderr, "bilateral %s: filtered %zux%zu, %zu channel(s) of %s\n", bilateral_version(),
            in.width, in.height, in.channels,
            in.type == U8 ? "uint8_t" : in.type == U16 ? "uint16_t" : "float");
    free(in.data);
    free(out.data);
    return 0;
}
