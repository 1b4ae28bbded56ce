" Reload the package of the current file in the running host (Maya, Nuke,
" Blender, a Jupyter kernel...) whose reloader listener is on.
" Vim 8.1+ and Neovim: source this file from your vimrc / init.vim.
" Set g:reloader_python to the Python that has reloader (default: python3).

function! s:ReloaderSend() abort
  let l:python = get(g:, 'reloader_python', 'python3')
  let l:command = [l:python, '-m', 'reloader', 'send', '--file', expand('%:p')]
  let l:output = trim(system(join(map(l:command, 'shellescape(v:val)'), ' ')))
  if v:shell_error
    echohl ErrorMsg | echomsg l:output | echohl None
  else
    echomsg l:output
  endif
endfunction

command! ReloaderSend update | call s:ReloaderSend()
nnoremap <silent> <Leader>rr :ReloaderSend<CR>
