/*
 * Enumerate I2C adapters (/sys/class/i2c-dev) and FT260 bridges
 * (/sys/class/hidraw) and probe each for a chip.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "bus/scan.h"
#include "util/err.h"

#define REG_I2C_STATE 0x82

static const char *
sysfs_root(void)
{
	/* test hook, shared with the FT260 backend */
	const char *r = getenv("OPTIGA_SYSFS_ROOT");

	return r != NULL ? r : "/sys";
}

static void
read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(out, (int)len, f) != NULL)
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static void
probe(struct bus_found *e)
{
	struct bus *b = NULL;
	uint8_t reg = REG_I2C_STATE;
	int r;

	if ((r = bus_open(e->uri, &b)) != 0) {
		snprintf(e->note, sizeof(e->note), "%s", op_errmsg());
		return;
	}
	e->opened = true;

	/* a chip that is waking up NACKs once or twice: try a few times */
	for (int i = 0; i < 5; i++) {
		if ((r = bus_write(b, &reg, 1)) == 0 &&
		    (r = bus_read(b, e->i2c_state, 4)) == 0)
			break;
	}
	if (r == 0)
		e->chip = true;
	else
		snprintf(e->note, sizeof(e->note), "no chip answers at 0x%02x "
		    "(wiring, power, address, pull-ups)", BUS_ADDR_DEFAULT);
	bus_close(&b);
}

static int
cmp_found(const void *a, const void *b)
{
	return strcmp(((const struct bus_found *)a)->uri,
	    ((const struct bus_found *)b)->uri);
}

static void
scan_dir(const char *sub, const char *prefix, struct bus_found *found,
    int max, int *n)
{
	char dir[512];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/class/%s", sysfs_root(), sub);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && *n < max) {
		struct bus_found *e = &found[*n];
		char path[1024];
		char line[256];
		unsigned vid = 0, pid = 0, bustype;
		FILE *f;

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		memset(e, 0, sizeof(*e));
		if (strcmp(sub, "i2c-dev") == 0) {
			snprintf(e->uri, sizeof(e->uri), "i2c:/dev/%s",
			    de->d_name);
			snprintf(path, sizeof(path), "%s/%s/name", dir,
			    de->d_name);
			read_line(path, e->desc, sizeof(e->desc));
			(*n)++;
			continue;
		}

		/* hidraw: only FT260 bridges */
		snprintf(path, sizeof(path), "%s/%s/device/uevent", dir,
		    de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		snprintf(e->desc, sizeof(e->desc), "FT260 USB-I2C bridge");
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			sscanf(line, "HID_ID=%x:%x:%x", &bustype, &vid, &pid);
			if (strncmp(line, "HID_UNIQ=", 9) == 0 && line[9])
				snprintf(e->desc, sizeof(e->desc),
				    "FT260 USB-I2C bridge, serial %s",
				    line + 9);
		}
		fclose(f);
		if (vid != 0x0403 || pid != 0x6030)
			continue;
		snprintf(e->uri, sizeof(e->uri), "ft260:/dev/%s", de->d_name);
		(*n)++;
	}
	closedir(d);
}

int
bus_scan(struct bus_found *found, int max, int *n)
{
	*n = 0;
	scan_dir("i2c-dev", "i2c-", found, max, n);
	scan_dir("hidraw", "hidraw", found, max, n);
	qsort(found, (size_t)*n, sizeof(*found), cmp_found);

	for (int i = 0; i < *n; i++)
		probe(&found[i]);

	return 0;
}
