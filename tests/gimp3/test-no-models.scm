; Script-Fu: with no model installed the filter says how to get one
; (run-tests runs this with an empty model path; see nstest.scm).

(let* ((image (photo "coffee.png" 120 80))
       (layer (first-layer image)))
  (check-refused image layer "" 1.0 "neural-style-fetch" 1
                 "no model installed: the error names neural-style-fetch")
  (check-refused image layer (string-append ns-shared "/test-images/styles/wave.jpg") 1.0
                 "neural-style-fetch" 1
                 "no Magenta networks: a picture style's error names neural-style-fetch"))
(done)
