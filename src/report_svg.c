/*
 * SVG sink: one chart per workload, through libxml2's xmlTextWriter so the
 * file is well-formed whatever a workload's name or message holds. Numbers
 * are printed with "%.1f" and friends: the program never calls setlocale,
 * so the decimal point is always '.'.
 */
#include "leakgate/report_svg.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>

#include "leakgate/error.h"
#include "leakgate/file.h"
#include "leakgate/format.h"
#include "leakgate/metric.h"
#include "leakgate/report_view.h"
#include "leakgate/xml_text.h"

#define WIDTH 640
#define HEIGHT 360
#define LEFT 78      /* room for the y labels */
#define RIGHT 24
#define TOP 60       /* the title, the message, the legend */
#define BOTTOM 48    /* the x labels */
#define TICKS 5
#define MESSAGE_LIMIT 110
#define POINTS_MAX 400  /* dots drawn at most: the series may be long */
#define NAME_MAX_BYTES 100

#define COLOR_SAMPLES "#1f77b4"
#define COLOR_FIT "#d62728"
#define COLOR_GRID "#e5e5e5"
#define COLOR_AXIS "#333333"
#define COLOR_WARMUP "#f3f3f3"

typedef struct {
	xmlTextWriterPtr w;
	int failed;     /* the first libxml2 call that failed */
	lg_buf text;    /* scratch: filtered text */
} svg;

static void start(svg *s, const char *name)
{
	if (!s->failed && xmlTextWriterStartElement(s->w, BAD_CAST name) < 0)
		s->failed = 1;
}

static void end(svg *s)
{
	if (!s->failed && xmlTextWriterEndElement(s->w) < 0)
		s->failed = 1;
}

static void attr(svg *s, const char *name, const char *value)
{
	if (s->failed)
		return;
	if (lg_xml_filter(&s->text, value, strlen(value)) < 0 ||
	    xmlTextWriterWriteAttribute(s->w, BAD_CAST name,
					BAD_CAST lg_buf_cstr(&s->text)) < 0)
		s->failed = 1;
}

static void attr_number(svg *s, const char *name, double v)
{
	char value[LG_FORMAT_NUMBER_SIZE];

	snprintf(value, sizeof(value), "%.1f", v);
	attr(s, name, value);
}

static void text(svg *s, const char *data)
{
	if (s->failed)
		return;
	if (lg_xml_filter(&s->text, data, strlen(data)) < 0 ||
	    xmlTextWriterWriteString(s->w, BAD_CAST lg_buf_cstr(&s->text)) < 0)
		s->failed = 1;
}

static void line(svg *s, double x1, double y1, double x2, double y2,
		 const char *color)
{
	start(s, "line");
	attr_number(s, "x1", x1);
	attr_number(s, "y1", y1);
	attr_number(s, "x2", x2);
	attr_number(s, "y2", y2);
	attr(s, "stroke", color);
	end(s);
}

static void label(svg *s, double x, double y, const char *anchor,
		  const char *content)
{
	start(s, "text");
	attr_number(s, "x", x);
	attr_number(s, "y", y);
	attr(s, "text-anchor", anchor);
	text(s, content);
	end(s);
}

/* 1, 2 or 5 times a power of ten, about range / TICKS. */
static double nice_step(double range)
{
	double raw = range / TICKS, mag = pow(10, floor(log10(raw))), f = raw / mag;

	return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

/* An axis in display units: raw values are divided by scale. */
typedef struct {
	double lo, hi, step;
	double scale;
	const char *unit;   /* label unit: "KiB", "fds", "calls" */
	int decimals;
} axis;

/* Ticks at a 1-2-5 step covering raw values lo..hi, in units of scale. */
static void axis_fit(axis *a, double lo, double hi, double scale)
{
	lo /= scale;
	hi /= scale;
	if (hi - lo < 1e-9) {
		lo -= 1;
		hi += 1;
	}
	a->scale = scale;
	a->step = nice_step(hi - lo);
	a->lo = floor(lo / a->step) * a->step;
	a->hi = ceil(hi / a->step) * a->step;
	if (a->hi <= a->lo)
		a->hi = a->lo + a->step;
	a->decimals = a->step >= 1 ? 0 : (int)ceil(-log10(a->step) - 1e-9);
	if (a->decimals > 6)
		a->decimals = 6;
}

/* Bytes in B, KiB or MiB by their size; counters as they are. */
static void axis_for_metric(axis *a, lg_metric m, double lo, double hi)
{
	const lg_metric_info *info = lg_metric_get(m);
	double top = fmax(fabs(lo), fabs(hi)), scale = 1;
	const char *unit = info->units;

	if (strcmp(info->unit, "B") == 0) {
		if (top >= 10.0 * 1024 * 1024) {
			scale = 1024.0 * 1024;
			unit = "MiB";
		} else if (top >= 10.0 * 1024) {
			scale = 1024;
			unit = "KiB";
		}
	}
	axis_fit(a, lo, hi, scale);
	a->unit = unit;
}

/* Pixel position of raw value v on axis a, which spans from..to. */
static double to_px(const axis *a, double v, double from, double to)
{
	return from + (v / a->scale - a->lo) / (a->hi - a->lo) * (to - from);
}

static void document(svg *s, const lg_workload_result *r, const lg_view_chart *c)
{
	const lg_metric_info *info = lg_metric_get(c->metric);
	const double px0 = LEFT, px1 = WIDTH - RIGHT, py0 = HEIGHT - BOTTOM, py1 = TOP;
	axis ax, ay;
	double lo = INFINITY, hi = -INFINITY;
	char buf[512], number[LG_FORMAT_NUMBER_SIZE], slope[LG_FORMAT_NUMBER_SIZE];
	lg_buf points = LG_BUF_INIT;
	size_t stride = c->count > POINTS_MAX ? (c->count + POINTS_MAX - 1) / POINTS_MAX : 1;
	const char *message = r->message ? r->message : lg_verdict_name(r->verdict);
	size_t n;

	for (size_t i = 0; i < c->count; i++) {
		lo = fmin(lo, c->values[i]);
		hi = fmax(hi, c->values[i]);
	}
	if (c->has_line) {
		/* The fitted line is straight: its ends bound it. */
		double a = c->slope * c->calls[c->window] + c->intercept;
		double b = c->slope * c->calls[c->count - 1] + c->intercept;

		lo = fmin(lo, fmin(a, b));
		hi = fmax(hi, fmax(a, b));
	}
	axis_fit(&ax, c->calls[0], c->calls[c->count - 1], 1);
	ax.unit = "calls";
	axis_for_metric(&ay, c->metric, lo, hi);

	if (xmlTextWriterStartDocument(s->w, NULL, "UTF-8", NULL) < 0)
		s->failed = 1;
	start(s, "svg");
	attr(s, "xmlns", "http://www.w3.org/2000/svg");
	snprintf(buf, sizeof(buf), "%d", WIDTH);
	attr(s, "width", buf);
	snprintf(buf, sizeof(buf), "%d", HEIGHT);
	attr(s, "height", buf);
	snprintf(buf, sizeof(buf), "0 0 %d %d", WIDTH, HEIGHT);
	attr(s, "viewBox", buf);
	attr(s, "font-family", "sans-serif");
	attr(s, "font-size", "11");

	start(s, "title");
	snprintf(buf, sizeof(buf), "%s: %s against calls", lg_view_name(r), info->name);
	text(s, buf);
	end(s);
	start(s, "rect");
	attr(s, "width", "100%");
	attr(s, "height", "100%");
	attr(s, "fill", "white");
	end(s);

	/* The warm-up the fit left out, shaded. */
	if (c->has_line && c->window > 0) {
		double x = to_px(&ax, c->calls[c->window], px0, px1);

		start(s, "rect");
		attr_number(s, "x", px0);
		attr_number(s, "y", py1);
		attr_number(s, "width", x - px0);
		attr_number(s, "height", py0 - py1);
		attr(s, "fill", COLOR_WARMUP);
		end(s);
		if (x - px0 >= 50) /* else the label would not fit in */
			label(s, px0 + 4, py1 + 12, "start", "warm-up");
	}

	/* Grid, ticks and labels. */
	for (int i = 0; ay.lo + i * ay.step <= ay.hi + ay.step / 2; i++) {
		double v = ay.lo + i * ay.step, y = to_px(&ay, v * ay.scale, py0, py1);

		line(s, px0, y, px1, y, COLOR_GRID);
		snprintf(number, sizeof(number), "%.*f", ay.decimals, v);
		label(s, px0 - 6, y + 4, "end", number);
	}
	for (int i = 0; ax.lo + i * ax.step <= ax.hi + ax.step / 2; i++) {
		double v = ax.lo + i * ax.step, x = to_px(&ax, v, px0, px1);

		line(s, x, py0, x, py0 + 4, COLOR_AXIS);
		if (ax.decimals == 0)
			lg_format_count(number, sizeof(number), (int64_t)llround(v));
		else
			snprintf(number, sizeof(number), "%.*f", ax.decimals, v);
		label(s, x, py0 + 16, "middle", number);
	}
	line(s, px0, py0, px1, py0, COLOR_AXIS);
	line(s, px0, py0, px0, py1, COLOR_AXIS);
	label(s, (px0 + px1) / 2, HEIGHT - 10, "middle", "calls");
	start(s, "text");
	snprintf(buf, sizeof(buf), "rotate(-90 14 %.1f)", (py0 + py1) / 2);
	attr(s, "transform", buf);
	attr_number(s, "x", 14);
	attr_number(s, "y", (py0 + py1) / 2);
	attr(s, "text-anchor", "middle");
	snprintf(buf, sizeof(buf), "%s (%s)", info->name, ay.unit);
	text(s, buf);
	end(s);

	/* The samples. */
	for (size_t i = 0; i < c->count && !s->failed; i++) {
		if (lg_buf_printf(&points, "%s%.1f,%.1f", i ? " " : "",
				  to_px(&ax, c->calls[i], px0, px1),
				  to_px(&ay, c->values[i], py0, py1)) < 0)
			s->failed = 1;
	}
	start(s, "polyline");
	attr(s, "fill", "none");
	attr(s, "stroke", COLOR_SAMPLES);
	attr(s, "stroke-width", "1.5");
	attr(s, "points", lg_buf_cstr(&points));
	end(s);
	lg_buf_dispose(&points);
	start(s, "g");
	attr(s, "fill", COLOR_SAMPLES);
	for (size_t i = 0; i < c->count; i += stride) {
		start(s, "circle");
		attr_number(s, "cx", to_px(&ax, c->calls[i], px0, px1));
		attr_number(s, "cy", to_px(&ay, c->values[i], py0, py1));
		attr(s, "r", "2");
		end(s);
	}
	end(s);

	/* The fitted growth over the window. */
	if (c->has_line) {
		double xa = c->calls[c->window], xb = c->calls[c->count - 1];

		start(s, "line");
		attr_number(s, "x1", to_px(&ax, xa, px0, px1));
		attr_number(s, "y1", to_px(&ay, c->slope * xa + c->intercept, py0, py1));
		attr_number(s, "x2", to_px(&ax, xb, px0, px1));
		attr_number(s, "y2", to_px(&ay, c->slope * xb + c->intercept, py0, py1));
		attr(s, "stroke", COLOR_FIT);
		attr(s, "stroke-width", "2");
		attr(s, "stroke-dasharray", "6 3");
		end(s);
	}

	/* Title, message, legend. */
	start(s, "text");
	attr_number(s, "x", px0);
	attr_number(s, "y", 18);
	attr(s, "font-size", "14");
	attr(s, "font-weight", "bold");
	n = strlen(lg_view_name(r));
	snprintf(buf, sizeof(buf), "%.*s: %s", (int)(n > NAME_MAX_BYTES ? NAME_MAX_BYTES : n),
		 lg_view_name(r), lg_verdict_name(r->verdict));
	text(s, buf);
	end(s);
	n = strlen(message);
	if (n > MESSAGE_LIMIT) {
		n = MESSAGE_LIMIT;
		while (n > 0 && ((unsigned char)message[n] & 0xc0) == 0x80)
			n--;
	}
	snprintf(buf, sizeof(buf), "%.*s%s", (int)n, message,
		 n < strlen(message) ? "\xe2\x80\xa6" : "");
	start(s, "text");
	attr_number(s, "x", px0);
	attr_number(s, "y", 34);
	attr(s, "fill", "#555555");
	text(s, buf);
	end(s);
	line(s, px0, 48, px0 + 18, 48, COLOR_SAMPLES);
	label(s, px0 + 22, 52, "start", "measured after each batch");
	if (c->has_line) {
		start(s, "line");
		attr_number(s, "x1", px0 + 190);
		attr_number(s, "y1", 48);
		attr_number(s, "x2", px0 + 208);
		attr_number(s, "y2", 48);
		attr(s, "stroke", COLOR_FIT);
		attr(s, "stroke-width", "2");
		attr(s, "stroke-dasharray", "6 3");
		end(s);
		lg_format_number(slope, sizeof(slope), c->slope);
		snprintf(buf, sizeof(buf), "fitted: %s %s/call", slope, info->unit);
		label(s, px0 + 212, 52, "start", buf);
	}
	end(s); /* svg */
	if (!s->failed && xmlTextWriterEndDocument(s->w) < 0)
		s->failed = 1;
}

int lg_report_svg(lg_buf *out, const lg_workload_result *r)
{
	xmlStructuredErrorFunc saved_handler = xmlStructuredError;
	void *saved_context = xmlStructuredErrorContext;
	lg_view_chart c;
	xmlBufferPtr buf;
	svg s;
	lg_metric m = lg_view_metric(r);
	int rc;

	rc = m == LG_METRIC_COUNT ? LG_ENOTFOUND
	     : lg_view_chart_build(&c, r, m, SIZE_MAX);
	if (rc == 0 && c.count < 2) {
		lg_view_chart_dispose(&c);
		rc = LG_ENOTFOUND;
	}
	if (rc == LG_ENOTFOUND)
		lg_error_set("%s: no samples to chart", lg_view_name(r));
	if (rc < 0)
		return rc;
	memset(&s, 0, sizeof(s));
	xmlSetStructuredErrorFunc(NULL, lg_xml_quiet);
	buf = xmlBufferCreate();
	s.w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	if (!s.w) {
		rc = lg_error_oom();
	} else {
		if (xmlTextWriterSetIndent(s.w, 1) < 0 ||
		    xmlTextWriterSetIndentString(s.w, BAD_CAST "  ") < 0)
			s.failed = 1;
		document(&s, r, &c);
		xmlFreeTextWriter(s.w); /* flushes into buf */
		if (s.failed)
			rc = lg_error_set("%s: cannot write the SVG chart",
					  lg_view_name(r));
		else
			rc = lg_buf_add(out, (const char *)xmlBufferContent(buf),
					(size_t)xmlBufferLength(buf));
	}
	if (buf)
		xmlBufferFree(buf);
	xmlSetStructuredErrorFunc(saved_context, saved_handler);
	lg_buf_dispose(&s.text);
	lg_view_chart_dispose(&c);
	return rc;
}

/* A file name from a workload name: letters, digits, '.', '-', '_' kept,
 * everything else '_'; never starting with '.'. */
static int file_name(lg_buf *out, const char *name)
{
	size_t n = 0;
	int rc = 0;

	for (const char *p = name; *p && n < NAME_MAX_BYTES && rc == 0; p++, n++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      (c == '.' && n > 0)))
			c = '_';
		rc = lg_buf_add(out, &c, 1);
	}
	return rc;
}

void lg_svg_charts_free(lg_svg_chart *charts, size_t count)
{
	for (size_t i = 0; charts && i < count; i++) {
		free(charts[i].path);
		lg_buf_dispose(&charts[i].svg);
	}
	free(charts);
}

/* "<dir>/<name>.svg", or "<dir>/<name>-<n>.svg" when an earlier chart has
 * the name already (names that differ only in what file names cannot
 * hold). */
static int chart_path(lg_buf *path, const char *dir, const lg_workload_result *r,
		      size_t n, const lg_svg_chart *before, size_t count)
{
	lg_buf stem = LG_BUF_INIT;
	int rc = file_name(&stem, lg_view_name(r));

	for (size_t j = 0; j < count && rc == 0; j++) {
		lg_buf_clear(path);
		if ((rc = lg_buf_printf(path, "%s/%s.svg", dir,
					lg_buf_cstr(&stem))) == 0 &&
		    strcmp(before[j].path, path->ptr) == 0)
			rc = lg_buf_printf(&stem, "-%zu", n);
	}
	lg_buf_clear(path);
	if (rc == 0)
		rc = lg_buf_printf(path, "%s/%s.svg", dir, lg_buf_cstr(&stem));
	lg_buf_dispose(&stem);
	return rc;
}

int lg_report_svg_charts(lg_svg_chart **out, size_t *count,
			 const lg_run_result *run, const char *dir)
{
	lg_buf chart = LG_BUF_INIT, path = LG_BUF_INIT;
	lg_svg_chart *charts = NULL, *grown = NULL;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < run->count && rc == 0; i++) {
		const lg_workload_result *r = &run->items[i];

		if (lg_view_severity_of(r) != LG_VIEW_FAIL)
			continue;
		lg_buf_clear(&chart);
		rc = lg_report_svg(&chart, r);
		if (rc == LG_ENOTFOUND) { /* an error before any sample */
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = chart_path(&path, dir, r, i + 1, charts, n);
		if (rc == 0 && !(grown = realloc(charts, (n + 1) * sizeof(*charts))))
			rc = lg_error_oom();
		if (rc < 0)
			break;
		charts = grown;
		charts[n].item = i;
		charts[n].path = lg_buf_detach(&path);
		charts[n].svg = chart;
		chart = (lg_buf)LG_BUF_INIT;
		n++;
	}
	lg_buf_dispose(&chart);
	lg_buf_dispose(&path);
	if (rc < 0) {
		lg_svg_charts_free(charts, n);
		return rc;
	}
	*out = charts;
	*count = n;
	return 0;
}
