/* Vertex AR viewer: builds the MindAR + A-Frame scene from the data-* attributes of #ar-root.
 * No inline script or style anywhere (strict CSP); state is exposed on <body data-ar-state> for tests and CSS:
 * idle → loading → scanning → found ⇄ lost, or error. <body data-video-state>: idle | playing | paused | blocked. */
/* global document, window, navigator, AFRAME */
(function () {
  'use strict';

  var root = document.getElementById('ar-root');
  if (!root) return;
  var body = document.body;
  var targetUrl = root.dataset.targetUrl;
  var videoUrl = root.dataset.videoUrl;
  var posterUrl = root.dataset.posterUrl;
  var $ = function (id) {
    return document.getElementById(id);
  };
  var screens = ['ar-start', 'ar-loading', 'ar-scanning', 'ar-error'];
  var scene = null;
  var video = null;
  var found = false;

  function show(id) {
    screens.forEach(function (s) {
      $(s).hidden = s !== id;
    });
  }

  function setState(state) {
    body.dataset.arState = state;
  }

  function fail(kind) {
    setState('error');
    body.dataset.arError = kind;
    ['camera', 'unsupported', 'load'].forEach(function (k) {
      $('ar-error-' + k).hidden = k !== kind;
    });
    $('ar-tap-to-play').hidden = true;
    $('ar-tap-for-sound').hidden = true;
    show('ar-error');
    stopScene();
  }

  function hasWebGL() {
    try {
      var canvas = document.createElement('canvas');
      return !!(canvas.getContext('webgl2') || canvas.getContext('webgl'));
    } catch {
      return false;
    }
  }

  function createVideo() {
    var v = document.createElement('video');
    v.id = 'ar-video';
    v.src = videoUrl;
    if (posterUrl) v.poster = posterUrl;
    // playsinline: no fullscreen takeover on iOS; muted: allowed to start without a tap (autoplay rules).
    v.setAttribute('playsinline', '');
    v.setAttribute('webkit-playsinline', '');
    v.muted = true;
    v.setAttribute('muted', '');
    v.preload = 'auto';
    v.crossOrigin = 'anonymous';
    v.className = 'ar-video-source';
    v.addEventListener('playing', function () {
      body.dataset.videoState = 'playing';
      $('ar-tap-to-play').hidden = true;
      $('ar-tap-for-sound').hidden = !v.muted;
    });
    v.addEventListener('pause', function () {
      if (body.dataset.videoState !== 'blocked') body.dataset.videoState = 'paused';
    });
    v.addEventListener('ended', function () {
      body.dataset.videoState = 'ended';
    });
    v.addEventListener('error', function () {
      fail('load');
    });
    v.addEventListener('loadedmetadata', function () {
      var plane = $('ar-video-plane');
      if (plane && v.videoWidth > 0) plane.setAttribute('height', String(v.videoHeight / v.videoWidth));
    });
    root.appendChild(v);
    return v;
  }

  function play() {
    if (!video || !found) return;
    if (video.ended) video.currentTime = 0;
    var attempt = video.play();
    if (attempt && typeof attempt.catch === 'function') {
      attempt.catch(function () {
        // The browser wants a user gesture (e.g. iOS Low Power Mode): offer the tap-to-play overlay.
        body.dataset.videoState = 'blocked';
        $('ar-tap-to-play').hidden = false;
      });
    }
  }

  function buildScene() {
    var s = document.createElement('a-scene');
    // Object form: no URL is ever parsed as A-Frame's "key: value;" syntax.
    s.setAttribute('mindar-image', {
      imageTargetSrc: targetUrl,
      autoStart: false,
      uiLoading: 'no',
      uiScanning: 'no',
      uiError: 'no',
      filterMinCF: 0.0001,
      filterBeta: 0.001,
    });
    s.setAttribute('color-space', 'sRGB');
    s.setAttribute('renderer', 'colorManagement: true; alpha: true');
    s.setAttribute('vr-mode-ui', 'enabled: false');
    s.setAttribute('device-orientation-permission-ui', 'enabled: false');
    s.setAttribute('loading-screen', 'enabled: false');
    s.setAttribute('embedded', '');
    s.className = 'ar-scene';

    var camera = document.createElement('a-camera');
    camera.setAttribute('position', '0 0 0');
    camera.setAttribute('look-controls', 'enabled: false');
    camera.setAttribute('wasd-controls', 'enabled: false');
    s.appendChild(camera);

    var target = document.createElement('a-entity');
    target.setAttribute('mindar-image-target', 'targetIndex: 0');
    var plane = document.createElement('a-plane');
    plane.id = 'ar-video-plane';
    plane.setAttribute('width', '1');
    plane.setAttribute('height', '1');
    plane.setAttribute('position', '0 0 0');
    plane.setAttribute('material', { shader: 'flat', src: '#ar-video', side: 'double' });
    target.appendChild(plane);
    s.appendChild(target);

    target.addEventListener('targetFound', function () {
      found = true;
      setState('found');
      $('ar-scanning').hidden = true;
      play();
    });
    target.addEventListener('targetLost', function () {
      found = false;
      setState('lost');
      $('ar-scanning').hidden = false;
      $('ar-tap-to-play').hidden = true;
      if (video && !video.paused) video.pause();
    });
    s.addEventListener('arReady', function () {
      setState('scanning');
      show('ar-scanning');
    });
    s.addEventListener('arError', function () {
      fail('camera');
    });
    s.addEventListener('loaded', function () {
      var system = s.systems['mindar-image-system'];
      if (!system) {
        fail('unsupported');
        return;
      }
      system.start();
    });
    root.appendChild(s);
    return s;
  }

  function stopScene() {
    // The scene stays in the DOM under the opaque error screen: removing it makes A-Frame tear MindAR down,
    // which throws when MindAR never started.
    if (scene) {
      var system = scene.systems && scene.systems['mindar-image-system'];
      try {
        if (system && system.controller) system.stop();
      } catch {
        /* already stopped */
      }
      scene = null;
    }
    if (video) {
      video.pause();
      video.parentNode.removeChild(video);
      video = null;
    }
    found = false;
  }

  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !hasWebGL() || typeof AFRAME === 'undefined') {
      fail('unsupported');
      return;
    }
    setState('loading');
    show('ar-loading');
    video = createVideo();
    // Inside the tap: lets iOS start this video later (a gesture "unlocks" a media element).
    var unlock = video.play();
    if (unlock && typeof unlock.then === 'function') {
      unlock.then(
        function () {
          if (!found) video.pause();
        },
        function () {
          /* allowed to fail: play() is retried on targetFound */
        },
      );
    }
    scene = buildScene();
  }

  $('ar-start-button').addEventListener('click', start);
  $('ar-retry-button').addEventListener('click', function () {
    window.location.reload();
  });
  $('ar-tap-to-play').addEventListener('click', function () {
    $('ar-tap-to-play').hidden = true;
    if (video) video.muted = false;
    play();
  });
  $('ar-tap-for-sound').addEventListener('click', function () {
    if (!video) return;
    video.muted = false;
    $('ar-tap-for-sound').hidden = true;
    play();
  });
  // A target file that does not load makes MindAR throw inside its start(); surface it as a load error.
  window.addEventListener('unhandledrejection', function () {
    if (body.dataset.arState === 'loading') fail('load');
  });
  body.dataset.viewerReady = 'true';
})();
