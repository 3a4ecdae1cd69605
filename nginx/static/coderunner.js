/*
 * coderunner: the one script of the HTML pages (no inline script: the
 * Content-Security-Policy forbids it).  Everything works without it; with
 * it, a result page whose verdict is pending polls the JSON form of its
 * own URL and updates in place instead of reloading.  Text goes into the
 * page through textContent only, never as markup.
 */
(function () {
	'use strict';

	/* enum judge_status -> the CSS class of its badge (page.c) */
	var CLASSES = ['unknown', 'qu', 'pr', 'ac', 'wa', 'tle', 'ce', 're',
	    're', 're', 're', 're', 're', 'ie', 'ie', 'mle', 'ole'];
	var NBSP = '\u00a0';

	function $(id) {
		return document.getElementById(id);
	}

	function setText(id, text) {
		var e = $(id);

		if (e !== null)
			e.textContent = text;
	}

	function statusClass(id) {
		return 'badge badge-' + (CLASSES[id] || 'unknown');
	}

	function isFinal(id) {
		return id >= 3;
	}

	/* "2024-01-02T03:04:05.678Z" -> <time> "2024-01-02 03:04:05 UTC" */
	function setWhen(id, iso) {
		var dd = $(id), t;

		if (dd === null)
			return;
		dd.textContent = '';
		if (!iso)
			return;
		t = document.createElement('time');
		t.setAttribute('datetime', iso);
		t.textContent = iso.replace('T', ' ').replace(/\..*$/, '')
		    .replace(/Z$/, '') + NBSP + 'UTC';
		dd.appendChild(t);
	}

	function setOutput(id, text) {
		var sec = $('cr-' + id);

		setText('cr-' + id + '-text', text || '');
		if (sec !== null)
			sec.hidden = !text;
	}

	function badge(status) {
		var b = document.createElement('span');

		b.className = statusClass(status ? status.id : 0);
		b.textContent = status ? status.description : 'Not run';
		return b;
	}

	function cell(row, content) {
		var td = document.createElement('td');

		if (typeof content === 'string')
			td.textContent = content;
		else if (content)
			td.appendChild(content);
		row.appendChild(td);
	}

	function setTests(tests) {
		var body = $('cr-tests-body'), i, t, tr;

		if (body === null || !tests)
			return;
		while (body.firstChild)
			body.removeChild(body.firstChild);
		for (i = 0; i < tests.length; i++) {
			t = tests[i];
			tr = document.createElement('tr');
			cell(tr, String(i + 1));
			cell(tr, badge(t.status));
			cell(tr, t.time ? t.time + NBSP + 's' : '');
			cell(tr, t.memory !== null && t.memory !== undefined ?
			    t.memory + NBSP + 'KB' : '');
			cell(tr, t.message || '');
			body.appendChild(tr);
		}
	}

	function update(box, r) {
		/* verdict is ours (15, 16 too); status is Judge0's (fields.c) */
		var st = r.verdict || r.status;
		var id = st ? st.id : 0, b = $('cr-status');
		var desc = st ? st.description : 'Unknown';
		var exit = '';

		if (b !== null) {
			b.className = statusClass(id);
			b.textContent = desc;
		}
		box.setAttribute('data-status', String(id));
		box.setAttribute('data-final', isFinal(id) ? '1' : '0');
		// the server's words (src/api/html.c), whoever drew the page
		setText('cr-progress', id === 1 ? 'Waiting in the queue.' :
		    id === 2 && r.progress && r.progress.tests > 1 ?
		    'Running test ' + r.progress.test + ' of ' +
		    r.progress.tests + '.' :
		    id === 2 ? 'Running.' : '');
		setText('cr-message', r.message || '');
		setText('cr-time', r.time ? r.time + NBSP + 's' : '');
		setText('cr-wall', r.wall_time ? r.wall_time + NBSP + 's' : '');
		setText('cr-memory', r.memory !== null &&
		    r.memory !== undefined ? r.memory + NBSP + 'KB' : '');
		if (r.exit_signal !== null && r.exit_signal !== undefined)
			exit = 'signal ' + r.exit_signal;
		else if (r.exit_code !== null && r.exit_code !== undefined)
			exit = 'code ' + r.exit_code;
		setText('cr-exit', exit);
		setWhen('cr-finished', isFinal(id) ? r.finished_at : null);
		setOutput('compile_output', r.compile_output);
		setOutput('stdout', r.stdout);
		setOutput('stderr', r.stderr);
		setTests(r.tests);
		document.title = desc + ' \u00b7 coderunner';
		return isFinal(id);
	}

	function poll(box) {
		var url = box.getAttribute('data-poll'), failures = 0;
		var delay = 500;

		function again(ms) {
			window.setTimeout(once, ms);
		}

		function once() {
			window.fetch(url, {
				headers: { 'Accept': 'application/json' },
				credentials: 'same-origin',
				cache: 'no-store'
			}).then(function (resp) {
				if (!resp.ok)
					throw new Error('HTTP ' + resp.status);
				return resp.json();
			}).then(function (r) {
				failures = 0;
				if (!update(box, r))
					again(delay);
			}).catch(function () {
				/* a reload shows what went wrong */
				if (++failures >= 10)
					window.location.reload();
				else
					again(Math.min(5000, delay * 2 * failures));
			});
		}
		again(delay);
	}

	function start() {
		var box = $('cr-verdict');

		/* CSS (and the tests) can tell that the script runs */
		document.documentElement.classList.add('js');
		if (box !== null && box.getAttribute('data-final') !== '1' &&
		    box.getAttribute('data-poll') && window.fetch)
			poll(box);
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', start);
	else
		start();
}());
